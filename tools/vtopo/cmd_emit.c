/* vtopo emit FORMAT: the VMM configuration that builds a planned guest
 * (docs/vmm-config.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cmd_emit_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo emit FORMAT [plan options | --plan DIR] [--quiet]\n"
            "       vtopo emit qemu [plan options] [--numa native|acpi] [--tables DIR]\n"
            "                  [--hmat] [--madt] [--bind] [--mem-backend B] [--cpu MODEL]\n"
            "                  [--shell] [--quiet]\n"
            "       vtopo emit libvirt [plan options] [--cpu MODEL] [--mem-backend B]\n"
            "                  [--domain [--name NAME] [--emulator PATH]] [--quiet]\n"
            "       vtopo emit cloud-hypervisor [plan options] [--mem-backend B] [--shell]\n"
            "                  [--quiet]\n"
            "\n"
            "Print the VMM configuration that builds the planned guest, or refuse, naming\n"
            "the plan option to change, when the VMM cannot build it. Warnings (what the\n"
            "VMM presents differently from the plan) go to stderr.\n"
            "\n"
            "Formats:\n"
            "  qemu                  QEMU arguments, one per line (--shell: one quoted line):\n"
            "                        -machine, -cpu, -smp (the plan's shape; -device for\n"
            "                        vCPUs outside QEMU's -smp prefix), -m and the NUMA\n"
            "                        options. The plan must use --apic sdm and --mem-layout\n"
            "                        qemu-q35 or qemu-pc (default: qemu-q35).\n"
            "  libvirt               a domain XML fragment (--domain: a whole domain):\n"
            "                        <memory>, <memoryBacking>, <vcpu> (and <vcpus> for\n"
            "                        vCPUs outside the prefix), <cputune> pins and\n"
            "                        <emulatorpin>, <numatune> memnodes, <cpu> with its\n"
            "                        mode, <topology> and <numa> cells and distances. As\n"
            "                        for qemu, and every vnode needs memory.\n"
            "  xl                    xl.cfg lines of an HVM guest: vcpus, memory, vga,\n"
            "                        vnuma = [...] and cpus = [...]. The plan must use\n"
            "                        --apic legacy (the default: upstream Xen's vcpu*2) or\n"
            "                        xen (a Xen with vNUMA APIC IDs) and --mem-layout\n"
            "                        xen-hvm (the default), at most 128 vCPUs and 32\n"
            "                        vnodes, and every vnode needs a pnode and vCPUs.\n"
            "  cloud-hypervisor      cloud-hypervisor arguments, one per line (--shell: one\n"
            "                        quoted line): --cpus boot,max,topology(,affinity),\n"
            "                        --memory size=0, a --memory-zone per vnode with\n"
            "                        memory, a --numa per vnode. The plan must use --apic\n"
            "                        sdm, its vCPUs must fill the shape's first slots, and\n"
            "                        threads <= 2.\n"
            "  xen-dom0              Xen's boot options that build dom0 as the plan:\n"
            "                        dom0=pvh, dom0_max_vcpus, dom0_vcpus_pin, dom0_mem and,\n"
            "                        for some of the host's nodes, dom0_nodes= their PXMs.\n"
            "                        Xen pins dom0's vCPU i to the i-th CPU of those nodes:\n"
            "                        plan with --pin-identity (default --apic xen and\n"
            "                        --mem-layout host).\n"
            "\n");
    cli_plan_usage_options(out);
    fprintf(out, "QEMU options:\n"
                 "  --numa native         -numa node/cpu/dist: QEMU builds the SRAT and SLIT\n"
                 "                        (default; needs guest PXMs 0..n-1)\n"
                 "  --numa acpi           -acpitable file= our srat.dat and slit.dat from\n"
                 "                        --tables DIR (write them with 'vtopo plan --out DIR')\n"
                 "  --tables DIR          where the tables are, checked to be the plan's\n"
                 "                        (default: the --plan directory, else .)\n"
                 "  --hmat                --numa acpi: also pass hmat.dat\n"
                 "  --madt                --numa acpi: also pass madt.dat (the guest kernel needs\n"
                 "                        acpi_apic_instance=2 to use it)\n"
                 "  --bind                --numa native: bind each vnode's memory to its pnode\n"
                 "                        (the backend's host-nodes=, policy=bind)\n"
                 "  --cpu MODEL[,FLAGS]   QEMU CPU model (default max; the vendor is the plan's)\n"
                 "QEMU, libvirt and cloud-hypervisor:\n"
                 "  --mem-backend B       each vnode's memory: ram (default), memfd (shared, for\n"
                 "                        vhost-user), or hugepages[:2M|1G] (a shared memfd of\n"
                 "                        huge pages); qemu: --numa native only\n"
                 "libvirt options:\n"
                 "  --cpu MODEL[,FLAGS]   max (mode='maximum', default), host (host-passthrough),\n"
                 "                        host-model, or a QEMU model (mode='custom'); +f/-f\n"
                 "                        flags become <feature> elements\n"
                 "  --domain              a whole <domain> for 'virsh define' (add disks, NICs)\n"
                 "  --name NAME           --domain: its name (default vtopo-guest)\n"
                 "  --emulator PATH       --domain: the QEMU binary (/usr/bin/qemu-system-x86_64)\n"
                 "qemu, libvirt, xl and cloud-hypervisor:\n"
                 "  --isolcpus LIST       the guest's vCPUs LIST are isolated: print the guest\n"
                 "                        kernel parameters that keep interrupts off them\n"
                 "                        (isolcpus=managed_irq,domain,LIST irqaffinity=REST;\n"
                 "                        on stderr, even with -q; 'vtopo irq predict\n"
                 "                        --isolcpus' says where each vector then fires)\n"
                 "Hot-plug (qemu, cloud-hypervisor):\n"
                 "  --hot-add BDF         the commands that hot-add the plan's device BDF into\n"
                 "                        its spare root port of a running guest booted from a\n"
                 "                        plan with the same expanders (vtopo plan --plan DIR\n"
                 "                        --add-device): QMP device_add (one JSON command a\n"
                 "                        line), or ch-remote's add-device/add-net/add-disk\n"
                 "  --hot-remove BDF      QMP device_del, or ch-remote remove-device, of it\n"
                 "Output options:\n"
                 "  --shell               qemu, cloud-hypervisor: print one shell-quoted line\n"
                 "                        instead of one argument per line\n"
                 "  -q, --quiet           do not print warnings and notes\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "The kernel parameters a QEMU guest needs (acpi_apic_instance=2 with --madt;\n"
                 "under TCG possible_cpus=9 for <= 8 CPUs with APIC-ID holes) are printed on\n"
                 "stderr as notes. docs/vmm-config.md has every rule.\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

enum {
    OPT_NUMA = OPT_PLAN_LAST + 1,
    OPT_TABLES,
    OPT_HMAT,
    OPT_MADT,
    OPT_BIND,
    OPT_MEM_BACKEND,
    OPT_CPU,
    OPT_DOMAIN,
    OPT_NAME,
    OPT_EMULATOR,
    OPT_SHELL,
    OPT_HOT_ADD,
    OPT_HOT_REMOVE,
    OPT_ISOLCPUS,
};

/* Print s quoted for a POSIX shell when it needs quoting. */
static void shell_word(FILE *out, const char *s)
{
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "-_=,.:/+@%") == strlen(s)) {
        fputs(s, out);
        return;
    }
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            /* A control byte (from a --tables path) is never written raw to
             * a terminal: bash's $'...' with \xNN. */
            fputs("$'", out);
            for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\'' || *s == '\\')
                    fprintf(out, "\\x%02x", (unsigned char)*s);
                else
                    fputc(*s, out);
            fputc('\'', out);
            return;
        }
    fputc('\'', out);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    fputc('\'', out);
}

enum emit_format { FMT_QEMU, FMT_LIBVIRT, FMT_XL, FMT_CHV, FMT_XEN_DOM0, FMT_COUNT };

static const struct {
    const char *name;
    enum emit_format format;
} formats[] = {
    {"qemu", FMT_QEMU},
    {"libvirt", FMT_LIBVIRT},
    {"xl", FMT_XL},
    {"cloud-hypervisor", FMT_CHV},
    {"xen-dom0", FMT_XEN_DOM0},
};

#define ONLY(f) (1u << (f))

/* The formats an option goes with (ONLY bits; 0: every format) and its
 * name. */
static unsigned option_formats(int opt, const char **name)
{
    static const struct {
        int opt;
        const char *name;
        unsigned formats;
    } table[] = {
        {OPT_NUMA, "--numa", ONLY(FMT_QEMU)},
        {OPT_TABLES, "--tables", ONLY(FMT_QEMU)},
        {OPT_HMAT, "--hmat", ONLY(FMT_QEMU)},
        {OPT_MADT, "--madt", ONLY(FMT_QEMU)},
        {OPT_BIND, "--bind", ONLY(FMT_QEMU)},
        {OPT_CPU, "--cpu", ONLY(FMT_QEMU) | ONLY(FMT_LIBVIRT)},
        {OPT_MEM_BACKEND, "--mem-backend", ONLY(FMT_QEMU) | ONLY(FMT_LIBVIRT) | ONLY(FMT_CHV)},
        {OPT_DOMAIN, "--domain", ONLY(FMT_LIBVIRT)},
        {OPT_NAME, "--name", ONLY(FMT_LIBVIRT)},
        {OPT_EMULATOR, "--emulator", ONLY(FMT_LIBVIRT)},
        {OPT_SHELL, "--shell", ONLY(FMT_QEMU) | ONLY(FMT_CHV)},
        {OPT_HOT_ADD, "--hot-add", ONLY(FMT_QEMU) | ONLY(FMT_CHV)},
        {OPT_HOT_REMOVE, "--hot-remove", ONLY(FMT_QEMU) | ONLY(FMT_CHV)},
        {OPT_ISOLCPUS, "--isolcpus",
         ONLY(FMT_QEMU) | ONLY(FMT_LIBVIRT) | ONLY(FMT_XL) | ONLY(FMT_CHV)},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].opt == opt) {
            *name = table[i].name;
            return table[i].formats;
        }
    return 0;
}

/* "qemu, libvirt and cloud-hypervisor": the formats of a mask, joined with
 * conj ("and", "or"), from the formats table. */
static void format_names(unsigned mask, const char *conj, char *buf, size_t size)
{
    unsigned n = (unsigned)__builtin_popcount(mask), k = 0;
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (mask & ONLY(formats[i].format)) {
            k++;
            o += (size_t)snprintf(buf + o, o < size ? size - o : 0, "%s%s%s%s",
                                  k == 1   ? ""
                                  : k == n ? " "
                                           : ", ",
                                  k > 1 && k == n ? conj : "", k > 1 && k == n ? " " : "",
                                  formats[i].name);
        }
}

/* A --mem-backend value: ram, memfd, hugepages or hugepages:SIZE. */
static int parse_backing(const char *text, struct vt_mem_backing *b)
{
    struct vt_err e;

    *b = (struct vt_mem_backing){.kind = VT_MEM_BACKEND_RAM};
    if (!strcmp(text, "ram"))
        return 0;
    if (!strcmp(text, "memfd")) {
        b->kind = VT_MEM_BACKEND_MEMFD;
        return 0;
    }
    b->kind = VT_MEM_BACKEND_HUGEPAGES;
    if (!strcmp(text, "hugepages"))
        return 0;
    if (!strncmp(text, "hugepages:", 10) &&
        vt_size_parse_unit(text + 10, &b->hugepage_size, &e) == 0 &&
        (b->hugepage_size == (UINT64_C(2) << 20) || b->hugepage_size == (UINT64_C(1) << 30)))
        return 0;
    return -EINVAL;
}

static void print_warnings(const struct vt_strlist *warnings, bool quiet)
{
    if (quiet)
        return;
    for (size_t i = 0; i < warnings->count; i++)
        cli_line(stderr, "vtopo emit: warning: %s", warnings->items[i]);
}

/* An argument holding a control byte (a newline or ESC from a --tables path)
 * cannot be a line of the one argument per line output. */
static int printable(const struct vt_strlist *args, bool shell)
{
    for (size_t i = 0; i < args->count && !shell; i++)
        for (const char *p = args->items[i]; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return cli_usage_error("emit",
                                       "argument '%s' holds a control character, which the one "
                                       "argument per line output cannot carry (use --shell, "
                                       "which quotes it)",
                                       args->items[i]);
    return VT_EXIT_OK;
}

/* One argument per line, or one shell-quoted line. */
static void print_args(const struct vt_strlist *args, bool shell)
{
    for (size_t i = 0; i < args->count; i++) {
        if (shell) {
            if (i)
                fputc(' ', stdout);
            shell_word(stdout, args->items[i]);
        } else {
            fputs(args->items[i], stdout);
            fputc('\n', stdout);
        }
    }
    if (shell)
        fputc('\n', stdout);
}

/* The acpi mode's tables must be there and be this plan's: QEMU would pass
 * whatever the directory holds, or fail to start without them. */
static int check_tables(const struct vt_layout *l, const struct vt_qemu_opts *qo)
{
    static const struct {
        enum vt_plan_file file;
        int (*emit)(const struct vt_layout *, const struct vt_acpi_options *, uint8_t **, size_t *,
                    struct vt_err *);
    } tables[] = {{VT_PLAN_FILE_SRAT, vt_acpi_srat},
                  {VT_PLAN_FILE_SLIT, vt_acpi_slit},
                  {VT_PLAN_FILE_HMAT, vt_acpi_hmat},
                  {VT_PLAN_FILE_MADT, vt_acpi_madt},
                  {VT_PLAN_FILE_SSDT, vt_acpi_ssdt_pxm}};
    const char *dir = qo->tables_dir ? qo->tables_dir : ".";
    struct vt_err err;

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        const char *name = vt_layout_file_name(tables[i].file);
        char path[4096], *have = NULL;
        uint8_t *want = NULL;
        size_t have_len = 0, want_len = 0;
        bool same;

        if ((i == 2 && !qo->hmat) || (i == 3 && !qo->madt) ||
            (i == 4 && !vt_layout_expander_count(l)))
            continue;
        if (cli_path(path, sizeof(path), dir, name, &err) < 0)
            return cli_fail("emit", &err);
        if (vt_read_file(path, VT_ACPI_TABLE_MAX, 0, &have, &have_len, &err) < 0) {
            if (err.code != -ENOENT)
                return cli_fail("emit", &err);
            return cli_usage_error("emit",
                                   "--tables %s: no %s there (write the plan's tables with "
                                   "'vtopo plan ... --out %s', or give --plan)",
                                   dir, name, dir);
        }
        if (tables[i].emit(l, NULL, &want, &want_len, &err) < 0) {
            free(have);
            return cli_fail("emit", &err);
        }
        same = have_len == want_len && !memcmp(have, want, want_len);
        free(have);
        free(want);
        if (!same)
            return cli_usage_error("emit",
                                   "--tables %s: %s is not this plan's (written for another "
                                   "plan?): QEMU would give the guest other tables",
                                   dir, path);
    }
    return VT_EXIT_OK;
}

/* --hot-add/--hot-remove BDF: QMP commands (one a line) or ch-remote's
 * arguments (one a line, or one shell line). */
static int emit_hotplug(const struct vt_layout *l, enum emit_format format,
                        const struct vt_qemu_opts *qo, const char *bdf, bool add, bool shell)
{
    struct vt_strlist out = {0};
    struct vt_err err;
    int rc = format == FMT_QEMU ? vt_emit_qemu_hotplug(l, qo, bdf, add, &out, &err)
                                : vt_emit_cloud_hypervisor_hotplug(l, bdf, add, &out, &err);

    if (rc < 0)
        return cli_fail("emit", &err);
    if (format == FMT_QEMU)
        for (size_t i = 0; i < out.count; i++)
            puts(out.items[i]);
    else
        print_args(&out, shell);
    vt_strlist_free(&out);
    return VT_EXIT_OK;
}

/* The guest kernel's parameters on stderr: the VMM's own needs (QEMU's:
 * params, and tcg_params under TCG; else ""), and --isolcpus's (iso, or
 * NULL), which is printed even with -q: it was asked for. */
static void print_kernel_params(const char *params, const char *tcg_params, const char *iso,
                                bool quiet)
{
    if ((!quiet && *params) || iso)
        fprintf(stderr, "vtopo emit: note: the guest kernel needs: %s%s%s\n", params,
                *params && iso ? " " : "", iso ? iso : "");
    /* QEMU 7.2's TCG APIC and logical-destination IPIs (docs/vmm-config.md). */
    if ((!quiet || iso) && strcmp(params, tcg_params) != 0)
        fprintf(stderr, "vtopo emit: note: under TCG (no KVM) the guest kernel needs: %s%s%s\n",
                tcg_params, *tcg_params && iso ? " " : "", iso ? iso : "");
}

static int emit_qemu(const struct vt_layout *l, const struct vt_qemu_opts *qo, const char *iso,
                     bool shell, bool quiet)
{
    struct vt_strlist args = {0}, warnings = {0};
    char *params = NULL, *tcg_params = NULL;
    struct vt_err err;
    int rc;

    if (vt_emit_qemu(l, qo, &args, &warnings, &err) < 0 ||
        vt_emit_qemu_kernel_params(l, qo, false, &params, &err) < 0 ||
        vt_emit_qemu_kernel_params(l, qo, true, &tcg_params, &err) < 0) {
        free(params);
        vt_strlist_free(&args);
        vt_strlist_free(&warnings);
        return cli_fail("emit", &err);
    }
    /* After the emitter's own rules (a ':' in the directory, sizes). */
    if ((qo->numa == VT_QEMU_NUMA_ACPI && (rc = check_tables(l, qo)) != VT_EXIT_OK) ||
        (rc = printable(&args, shell)) != VT_EXIT_OK) {
        free(params);
        free(tcg_params);
        vt_strlist_free(&args);
        vt_strlist_free(&warnings);
        return rc;
    }
    print_warnings(&warnings, quiet);
    print_kernel_params(params, tcg_params, iso, quiet);
    print_args(&args, shell);
    free(params);
    free(tcg_params);
    vt_strlist_free(&args);
    vt_strlist_free(&warnings);
    return VT_EXIT_OK;
}

static int emit_chv(const struct vt_layout *l, const struct vt_chv_opts *o, const char *iso,
                    bool shell, bool quiet)
{
    struct vt_strlist args = {0}, warnings = {0};
    struct vt_err err;
    int rc;

    if (vt_emit_cloud_hypervisor(l, o, &args, &warnings, &err) < 0) {
        vt_strlist_free(&warnings);
        return cli_fail("emit", &err);
    }
    if ((rc = printable(&args, shell)) == VT_EXIT_OK) {
        print_warnings(&warnings, quiet);
        print_kernel_params("", "", iso, quiet);
        print_args(&args, shell);
    }
    vt_strlist_free(&args);
    vt_strlist_free(&warnings);
    return rc;
}

/* libvirt, xl and xen-dom0: a text. */
static int emit_text(const struct vt_layout *l, const struct vt_host *h, enum emit_format format,
                     const struct vt_libvirt_opts *lo, const char *iso, bool quiet)
{
    struct vt_strlist warnings = {0};
    struct vt_err err;
    char *text = NULL;
    int rc = format == FMT_LIBVIRT ? vt_emit_libvirt(l, lo, &text, &warnings, &err)
             : format == FMT_XL    ? vt_emit_xl(l, &text, &warnings, &err)
                                   : vt_emit_xen_dom0(l, h, &text, &warnings, &err);

    if (rc < 0) {
        vt_strlist_free(&warnings);
        return cli_fail("emit", &err);
    }
    print_warnings(&warnings, quiet);
    print_kernel_params("", "", iso, quiet);
    fputs(text, stdout);
    if (format == FMT_XEN_DOM0)
        fputc('\n', stdout);
    free(text);
    vt_strlist_free(&warnings);
    return VT_EXIT_OK;
}

/* Under libvirt only a custom CPU model carries the plan's vendor
 * (vendor_id): warn when the guest would see the host's, which differs. */
static void warn_libvirt_vendor(const struct vt_layout *l, const struct vt_host *h,
                                const char *model, bool quiet)
{
    enum vt_host_cpu_vendor hv = vt_host_cpus(h)->vendor;
    size_t n = model ? strcspn(model, ",") : 0;
    bool intel = vt_layout_vendor(l) == VT_VENDOR_INTEL;
    const char *mode = !model || (n == 3 && !strncmp(model, "max", 3)) ? "maximum"
                       : n == 4 && !strncmp(model, "host", 4)          ? "host-passthrough"
                       : n == 10 && !strncmp(model, "host-model", 10)  ? "host-model"
                                                                       : NULL;

    if (quiet || !mode || (hv != VT_HOST_CPU_INTEL && hv != VT_HOST_CPU_AMD) ||
        (hv == VT_HOST_CPU_INTEL) == intel)
        return;
    fprintf(stderr,
            "vtopo emit: warning: with <cpu mode='%s'> the guest sees the host's CPU vendor "
            "(%s), not the plan's (%s): give --cpu a QEMU model, which carries the plan's "
            "vendor_id\n",
            mode, vt_host_cpu_vendor_name(hv), intel ? "intel" : "amd");
}

/* The plan options each VMM's default takes, where the user gave none: the
 * memory map and APIC IDs that VMM builds (QEMU and libvirt: q35; xl: Xen's
 * HVM map and upstream Xen's APIC IDs, vcpu * 2). */
static int vmm_defaults(enum emit_format format, const struct cli_host_opts *ho,
                        struct vt_request *r)
{
    struct vt_err err;

    if ((format == FMT_QEMU || format == FMT_LIBVIRT) && !cli_plan_given(ho, OPT_MEM_LAYOUT) &&
        vt_request_set_mem_layout(r, VT_MEM_QEMU_Q35, NULL, &err) < 0)
        return cli_fail("emit", &err);
    if (format == FMT_XL && !cli_plan_given(ho, OPT_MEM_LAYOUT) &&
        vt_request_set_mem_layout(r, VT_MEM_XEN_HVM, NULL, &err) < 0)
        return cli_fail("emit", &err);
    if (format == FMT_XL && !cli_plan_given(ho, OPT_APIC) &&
        vt_request_set_apic(r, VT_APIC_LEGACY, &err) < 0)
        return cli_fail("emit", &err);
    /* dom0: the host's memory map, and the APIC IDs of a dom0 with vNUMA. */
    if (format == FMT_XEN_DOM0 && !cli_plan_given(ho, OPT_MEM_LAYOUT) &&
        vt_request_set_mem_layout(r, VT_MEM_HOST, NULL, &err) < 0)
        return cli_fail("emit", &err);
    if (format == FMT_XEN_DOM0 && !cli_plan_given(ho, OPT_APIC) &&
        vt_request_set_apic(r, VT_APIC_XEN, &err) < 0)
        return cli_fail("emit", &err);
    return VT_EXIT_OK;
}

int cmd_emit(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        {"numa", required_argument, NULL, OPT_NUMA},
        {"tables", required_argument, NULL, OPT_TABLES},
        {"hmat", no_argument, NULL, OPT_HMAT},
        {"madt", no_argument, NULL, OPT_MADT},
        {"bind", no_argument, NULL, OPT_BIND},
        {"mem-backend", required_argument, NULL, OPT_MEM_BACKEND},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"domain", no_argument, NULL, OPT_DOMAIN},
        {"name", required_argument, NULL, OPT_NAME},
        {"emulator", required_argument, NULL, OPT_EMULATOR},
        {"shell", no_argument, NULL, OPT_SHELL},
        {"hot-add", required_argument, NULL, OPT_HOT_ADD},
        {"hot-remove", required_argument, NULL, OPT_HOT_REMOVE},
        {"isolcpus", required_argument, NULL, OPT_ISOLCPUS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_qemu_opts qo = {.numa = VT_QEMU_NUMA_NATIVE};
    struct vt_request *r = NULL;
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    struct vt_libvirt_opts lo = {.domain = false};
    struct vt_chv_opts co = {.backing = {.kind = VT_MEM_BACKEND_RAM}};
    const char *name;
    /* Per format, the first option given that it does not take, and the
     * formats that option goes with. */
    const char *refused[FMT_COUNT] = {NULL};
    unsigned refused_fmts[FMT_COUNT] = {0};
    char all[128];
    enum emit_format format = FMT_QEMU;
    bool shell = false, known = false, numa_given = false, hot_add = false;
    const char *hot_bdf = NULL, *isolcpus = NULL;
    struct vt_bitmap *iso = NULL, *iso_rest = NULL;
    char *iso_params = NULL;
    int opt, rc = VT_EXIT_OK;

    if (!(r = cli_request_new())) {
        cli_error("emit", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    /* The format is the one operand; options may come before or after it. */
    opterr = 0;
    optind = 1;
    while ((opt = cli_plan_getopt("emit", argc, argv, longopts, &ho, r, &rc)) != -1) {
        if (opt == CLI_OPT_FAILED)
            goto out;
        {
            const char *oname = NULL;
            unsigned fmts = option_formats(opt, &oname);

            for (unsigned f = 0; fmts && f < FMT_COUNT; f++)
                if (!(fmts & ONLY(f)) && !refused[f]) {
                    refused[f] = oname;
                    refused_fmts[f] = fmts;
                }
        }
        switch (opt) {
        case OPT_NUMA:
            numa_given = true;
            if (!strcmp(optarg, "native")) {
                qo.numa = VT_QEMU_NUMA_NATIVE;
            } else if (!strcmp(optarg, "acpi")) {
                qo.numa = VT_QEMU_NUMA_ACPI;
            } else {
                rc = cli_usage_error("emit", "--numa %s: must be native or acpi", optarg);
                goto out;
            }
            break;
        case OPT_TABLES:
            qo.tables_dir = optarg;
            break;
        case OPT_HMAT:
            qo.hmat = true;
            break;
        case OPT_MADT:
            qo.madt = true;
            break;
        case OPT_BIND:
            qo.bind = true;
            break;
        case OPT_MEM_BACKEND:
            if (parse_backing(optarg, &qo.backing) < 0) {
                rc = cli_usage_error("emit",
                                     "--mem-backend %s: must be ram, memfd, hugepages, "
                                     "hugepages:2M or hugepages:1G (x86's page sizes)",
                                     optarg);
                goto out;
            }
            lo.backing = co.backing = qo.backing;
            break;
        case OPT_DOMAIN:
            lo.domain = true;
            break;
        case OPT_NAME:
            lo.name = optarg;
            break;
        case OPT_EMULATOR:
            lo.emulator = optarg;
            break;
        case OPT_ISOLCPUS:
            isolcpus = optarg;
            break;
        case OPT_CPU:
            qo.cpu_model = lo.cpu_model = optarg;
            break;
        case OPT_SHELL:
            shell = true;
            break;
        case OPT_HOT_ADD:
        case OPT_HOT_REMOVE:
            if (hot_bdf) {
                rc = cli_usage_error("emit", "--hot-add and --hot-remove: one device at a time");
                goto out;
            }
            hot_bdf = optarg;
            hot_add = opt == OPT_HOT_ADD;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            cmd_emit_usage(stdout);
            goto out;
        default:
            rc = cli_bad_option("emit", opt, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        format_names(ONLY(FMT_COUNT) - 1, "or", all, sizeof(all));
        rc = cli_usage_error("emit", "missing the format (%s)", all);
        goto out;
    }
    name = argv[optind];
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcmp(name, formats[i].name)) {
            format = formats[i].format;
            known = true;
        }
    if (!known) {
        format_names(ONLY(FMT_COUNT) - 1, "or", all, sizeof(all));
        rc = cli_usage_error("emit", "unknown format '%s' (%s)", name, all);
        goto out;
    }
    if (optind + 1 < argc) {
        rc = cli_usage_error("emit", "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    if (refused[format]) {
        char names[96];

        format_names(refused_fmts[format], "and", names, sizeof(names));
        rc = cli_usage_error("emit", "%s goes with %s; %s does not take it", refused[format], names,
                             name);
        goto out;
    }
    if ((lo.name || lo.emulator) && !lo.domain) {
        rc = cli_usage_error("emit", "--name and --emulator go with --domain (the fragment has "
                                     "neither)");
        goto out;
    }
    /* Native by default (as verify); the acpi mode's own options select it. */
    if (!numa_given && (qo.hmat || qo.madt || qo.tables_dir))
        qo.numa = VT_QEMU_NUMA_ACPI;
    if (qo.numa == VT_QEMU_NUMA_NATIVE && (qo.hmat || qo.madt || qo.tables_dir)) {
        rc = cli_usage_error("emit", "--hmat, --madt and --tables go with --numa acpi");
        goto out;
    }
    if (qo.numa == VT_QEMU_NUMA_ACPI && qo.backing.kind != VT_MEM_BACKEND_RAM) {
        rc = cli_usage_error("emit", "--mem-backend goes with --numa native (the acpi mode has "
                                     "no memory backends)");
        goto out;
    }
    if (qo.numa == VT_QEMU_NUMA_ACPI && qo.bind) {
        rc = cli_usage_error("emit", "--bind goes with --numa native (the acpi mode has no "
                                     "memory backends)");
        goto out;
    }
    if (!ho.plan_dir && (rc = vmm_defaults(format, &ho, r)) != VT_EXIT_OK)
        goto out;
    if (isolcpus && hot_bdf) {
        rc = cli_usage_error("emit", "--isolcpus goes with a guest's configuration, not with "
                                     "--hot-add or --hot-remove");
        goto out;
    }
    if ((rc = cli_plan_layout("emit", &ho, r, &h, &l)) != VT_EXIT_OK)
        goto out;
    if (isolcpus &&
        (rc = cli_isolcpus("emit", isolcpus, l, NULL, &iso, &iso_rest, &iso_params)) != VT_EXIT_OK)
        goto out;
    /* A plan directory holds its own tables. */
    if (qo.numa == VT_QEMU_NUMA_ACPI && !qo.tables_dir && ho.plan_dir)
        qo.tables_dir = ho.plan_dir;
    if (format == FMT_LIBVIRT)
        warn_libvirt_vendor(l, h, lo.cpu_model, ho.quiet);
    if (hot_bdf) {
        rc = emit_hotplug(l, format, &qo, hot_bdf, hot_add, shell);
        goto flush;
    }
    switch (format) {
    case FMT_QEMU:
        rc = emit_qemu(l, &qo, iso_params, shell, ho.quiet);
        break;
    case FMT_CHV:
        rc = emit_chv(l, &co, iso_params, shell, ho.quiet);
        break;
    default:
        rc = emit_text(l, h, format, &lo, iso_params, ho.quiet);
        break;
    }
flush:
    if (rc == VT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("emit", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    vt_bitmap_free(iso);
    vt_bitmap_free(iso_rest);
    free(iso_params);
    vt_layout_free(l);
    vt_host_free(h);
    vt_request_free(r);
    return rc;
}
