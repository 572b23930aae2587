/* vtopo place: host nodes and host CPUs for a new guest given the guests
 * already placed on the host, recorded in a state file that is locked
 * (flock on FILE.lock) and replaced atomically (vt_place;
 * docs/placement.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "vtopo/io.h"
#include "vtopo/place.h"
#include "vtopo/text.h"

/* The largest state file read: VT_PLACE_MAX_GUESTS guests of a few KiB. */
#define PLACE_STATE_MAX ((size_t)512 << 20)

void cmd_place_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo place --state FILE --name NAME --vcpus N --memory SIZE [request]\n"
            "                   [host options] [--plan-out DIR] [--dry-run] [--json] [-q]\n"
            "       vtopo place --state FILE --release NAME [host options] [--json]\n"
            "       vtopo place --state FILE --list [host options] [--json]\n"
            "\n"
            "Choose host nodes and host CPUs for a new guest given the guests already\n"
            "placed (the state file), record it, and print the options 'vtopo plan' takes\n"
            "for it. Never holds a host CPU, a huge page or (without --overcommit-memory) a\n"
            "byte of memory twice; fewest nodes, then the nearest, then the tightest fit\n"
            "(docs/placement.md). The state file is locked while it is read and written\n"
            "(FILE.lock) and replaced whole, so two placements racing never both take the\n"
            "same CPUs.\n"
            "\n"
            "Request:\n"
            "  --name NAME           the guest's name (1 to 64 of A-Z a-z 0-9 . _ -)\n"
            "  --vcpus N             vCPUs\n"
            "  --memory SIZE         memory (2M, 4G, ...)\n"
            "  --vnodes K            exactly K host nodes (default: as few as fit)\n"
            "  --hugepages SIZE      back the memory with huge pages of SIZE (2M, 1G)\n"
            "  --cpu-policy P        dedicated (a host CPU each, held for the guest) or\n"
            "                        shared (floating over the node's shared CPUs; default)\n"
            "  --thread-policy T     dedicated only: prefer (SMT siblings first; default),\n"
            "                        isolate (a whole core each, siblings held idle) or\n"
            "                        require (whole cores of SMT siblings only)\n"
            "  --emulator-cpus N     dedicated only: N more host CPUs for QEMU's own threads\n"
            "  --overcommit-memory   ordinary memory may exceed what is free\n"
            "  --nodes LIST          on exactly these host nodes, vnode i on the i-th\n"
            "                        (e.g. 2,3; default: vtopo chooses)\n"
            "State:\n"
            "  --state FILE          the placed guests (created when missing)\n"
            "  --shared-ratio R      a new state's limit of shared vCPUs per shared CPU\n"
            "                        (default %d)\n"
            "  --release NAME        free a guest's CPUs, memory and huge pages\n"
            "  --list                the guests and what each node has free\n"
            "Output:\n"
            "  --plan-out DIR        also plan the guest into DIR (as 'vtopo plan --out')\n"
            "  --mem-layout L, --apic A\n"
            "                        the plan's memory layout and APIC encoding (as for\n"
            "                        'vtopo plan'; qemu-q35 for QEMU and libvirt, xen-hvm\n"
            "                        and xen for xl)\n"
            "  --dry-run             choose, but do not record\n"
            "  --json                JSON instead of text\n"
            "  -q, --quiet           no host warnings on stderr\n"
            "  -h, --help            show this help\n"
            "\n"
            "Host options as for 'vtopo host' (the state records the host's fingerprint;\n"
            "a state of another host is refused).\n"
            "\n"
            "Exit status: 0 placed (or released, listed), 1 the guest does not fit (what\n"
            "is short is said), 2 bad usage or input, 3 system error.\n",
            VT_PLACE_SHARED_RATIO);
}

enum {
    OPT_PLACE_STATE = OPT_HOST_LAST + 1,
    OPT_PLACE_NAME,
    OPT_PLACE_VCPUS,
    OPT_PLACE_MEMORY,
    OPT_PLACE_VNODES,
    OPT_PLACE_HUGEPAGES,
    OPT_PLACE_CPU_POLICY,
    OPT_PLACE_THREAD_POLICY,
    OPT_PLACE_EMULATOR,
    OPT_PLACE_OVERCOMMIT,
    OPT_PLACE_NODES,
    OPT_PLACE_RATIO,
    OPT_PLACE_RELEASE,
    OPT_PLACE_LIST,
    OPT_PLACE_PLAN_OUT,
    OPT_PLACE_MEM_LAYOUT,
    OPT_PLACE_APIC,
    OPT_PLACE_DRY_RUN,
    OPT_PLACE_JSON,
};

struct place_opts {
    const char *state, *release, *plan_out, *mem_layout, *apic;
    bool list, dry_run, json, have_ratio, have_vcpus, have_memory, policy_given;
    unsigned ratio;
    unsigned nodes[VT_PLACE_MAX_VNODES];
    struct vt_place_request r;
};

static const char *opt_mem_layout, *opt_apic; /* --mem-layout, --apic: the plan's */

/* Where g's floating threads run now, as text: "LIST;LIST" for its parts'
 * vCPUs (empty for a dedicated guest) into *vcpus, its VMM threads' list
 * into *emu; 0 or -ENOMEM. */
static int float_text(const struct vt_place_state *s, const struct vt_placed_guest *g, char **vcpus,
                      char **emu)
{
    struct vt_bitmap *b = NULL;
    size_t len = 0;
    char *list;

    *vcpus = *emu = NULL;
    if (vt_place_guest_emulator_cpus(s, g, &b) < 0 || !(*emu = vt_bitmap_format_list(b)))
        goto oom;
    vt_bitmap_free(b);
    b = NULL;
    if (!(*vcpus = calloc(1, 1)))
        goto oom;
    for (size_t p = 0; g->cpu_policy == VT_CPU_SHARED && p < g->nparts; p++) {
        char *grown;

        if (vt_place_guest_float_cpus(s, g, p, &b) < 0 || !(list = vt_bitmap_format_list(b)))
            goto oom;
        vt_bitmap_free(b);
        b = NULL;
        if (!(grown = realloc(*vcpus, len + strlen(list) + 2))) {
            free(list);
            goto oom;
        }
        *vcpus = grown;
        len += (size_t)sprintf(*vcpus + len, "%s%s", p ? ";" : "", list);
        free(list);
    }
    return 0;
oom:
    vt_bitmap_free(b);
    free(*vcpus);
    free(*emu);
    *vcpus = *emu = NULL;
    return -ENOMEM;
}

/* The request of g's plan (vt_place_guest_request) with the plan's
 * --mem-layout and --apic, into *out (a CLI request: its fields named by
 * their flags). 0 or an error (err set). */
static int guest_request(const struct vt_place_state *s, const struct vt_placed_guest *g,
                         struct vt_request **out, struct vt_err *err)
{
    struct vt_request *r = cli_request_new();
    int rc;

    *out = NULL;
    if (!r)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = vt_place_guest_request(s, g, r, err)) < 0 ||
        (opt_mem_layout && (rc = vt_request_parse_mem_layout(r, opt_mem_layout, err)) < 0) ||
        (opt_apic && (rc = vt_request_parse_apic(r, opt_apic, err)) < 0)) {
        vt_request_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* The options 'vtopo plan' takes for g (vt_request_format), into *text. */
static int plan_options(const struct vt_place_state *s, const struct vt_placed_guest *g,
                        char **text, struct vt_err *err)
{
    struct vt_request *r;
    int rc;

    if ((rc = guest_request(s, g, &r, err)) == 0)
        rc = vt_request_format(r, text, err);
    vt_request_free(r);
    return rc;
}

/* 0, or -ENOMEM before anything is printed. */
static int print_guest(const struct vt_place_state *s, const struct vt_placed_guest *g,
                       const char *verb)
{
    char mem[32], *list, *vcpus, *emu, *opts = NULL;
    struct vt_err err;

    if (float_text(s, g, &vcpus, &emu) < 0)
        return -ENOMEM;
    if (plan_options(s, g, &opts, &err) < 0) {
        free(vcpus);
        free(emu);
        return -ENOMEM;
    }
    vt_size_format(mem, sizeof(mem), g->memory_bytes);
    printf("%s '%s': %u %s vCPU%s", verb, g->name, g->vcpus, vt_cpu_policy_name(g->cpu_policy),
           g->vcpus == 1 ? "" : "s");
    if (g->cpu_policy == VT_CPU_DEDICATED)
        printf(" (%s)", vt_thread_policy_name(g->thread_policy));
    printf(", %s", mem);
    if (g->hugepage_bytes) {
        vt_size_format(mem, sizeof(mem), g->hugepage_bytes);
        printf(" of %s huge pages", mem);
    }
    printf(" on %zu host node%s\n", g->nparts, g->nparts == 1 ? "" : "s");
    for (size_t p = 0; p < g->nparts; p++) {
        const struct vt_place_part *pp = &g->parts[p];

        vt_size_format(mem, sizeof(mem), pp->memory_bytes);
        if (pp->vcpus > 1)
            printf("  vnode %zu on node %u: vCPUs %u-%u, %s", p, pp->pnode, pp->first_vcpu,
                   pp->first_vcpu + pp->vcpus - 1, mem);
        else
            printf("  vnode %zu on node %u: vCPU %u, %s", p, pp->pnode, pp->first_vcpu, mem);
        if (pp->pcpus) {
            printf(", host CPUs");
            for (unsigned v = 0; v < pp->vcpus; v++)
                printf("%s%d", v ? "," : " ", pp->pcpus[v]);
        }
        if (!vt_bitmap_iszero(pp->reserved) && (list = vt_bitmap_format_list(pp->reserved))) {
            printf("; held idle %s", list);
            free(list);
        }
        if (!vt_bitmap_iszero(pp->emulator) && (list = vt_bitmap_format_list(pp->emulator))) {
            printf("; emulator %s", list);
            free(list);
        }
        printf("\n");
    }
    /* Shared vCPUs float; what keeps them, and the VMM's threads, off
     * other guests' CPUs is the VMM's pinning to these sets (the plan's
     * vnode_cpus and emulator_cpus: libvirt's <vcpupin>, <emulatorpin>). */
    if (*vcpus)
        printf("  vCPUs float on host CPUs %s (by vnode)\n", vcpus);
    printf("  VMM threads on host CPUs %s\n", emu);
    printf("  plan: vtopo plan %s", opts);
    free(opts);
    free(vcpus);
    free(emu);
    /* The huge pages' backing, where emit has a name for their size. */
    if (g->hugepage_bytes == (2ull << 20) || g->hugepage_bytes == (1ull << 30)) {
        printf("  (emit with --mem-backend hugepages:%s)",
               g->hugepage_bytes == (1ull << 30) ? "1G" : "2M");
    }
    printf("\n");
    return 0;
}

/* Every guest's floating sets (float_text) before a placement or release,
 * to say after it which guests the toolstack must re-pin: on a host that
 * isolates no CPU, dedication takes CPUs that shared guests float on, and a
 * release gives them back. */
struct float_snap {
    const char *name; /* the guest's, valid while s is unchanged: copied */
    char *vcpus, *emu;
};

static void snap_free(struct float_snap *snap, size_t n)
{
    for (size_t i = 0; snap && i < n; i++) {
        free((char *)snap[i].name);
        free(snap[i].vcpus);
        free(snap[i].emu);
    }
    free(snap);
}

static struct float_snap *snap_take(const struct vt_place_state *s, size_t *n)
{
    struct float_snap *snap = calloc(vt_place_guest_count(s) + 1, sizeof(*snap));

    *n = 0;
    for (size_t i = 0; snap && i < vt_place_guest_count(s); i++, (*n)++) {
        const struct vt_placed_guest *g = vt_place_guest(s, i);

        if (!(snap[i].name = strdup(g->name)) ||
            float_text(s, g, &snap[i].vcpus, &snap[i].emu) < 0) {
            snap_free(snap, *n + 1);
            return NULL;
        }
    }
    return snap;
}

/* The guests of snap whose floating sets s now changes: a line each (text:
 * "re-pin", or "would re-pin" for a dry run, then what to do), or the
 * "repin" array's elements (json). Returns how many, or -ENOMEM. */
static long snap_report(FILE *f, const struct vt_place_state *s, const struct float_snap *snap,
                        size_t n, bool json, bool dry)
{
    long count = 0;

    for (size_t i = 0; i < n; i++) {
        const struct vt_placed_guest *g = vt_place_guest_by_name(s, snap[i].name);
        char *vcpus, *emu;

        if (!g)
            continue;
        if (float_text(s, g, &vcpus, &emu) < 0)
            return -ENOMEM;
        if (strcmp(vcpus, snap[i].vcpus) || strcmp(emu, snap[i].emu)) {
            if (json) {
                fprintf(f, "%s\n    {\"name\": \"%s\", \"vnode_cpus\": [", count ? "," : "",
                        g->name);
                for (char *p = vcpus, *semi; *p; p = semi + 1) {
                    semi = strchr(p, ';');
                    fprintf(f, "%s\"%.*s\"", p == vcpus ? "" : ", ",
                            (int)(semi ? (size_t)(semi - p) : strlen(p)), p);
                    if (!semi)
                        break;
                }
                fprintf(f, "], \"emulator_cpus\": \"%s\"}", emu);
            } else {
                fprintf(f, "%sre-pin '%s':", dry ? "would " : "", g->name);
                if (*vcpus)
                    fprintf(f, " its vCPUs now float on host CPUs %s (by vnode; were %s),", vcpus,
                            snap[i].vcpus);
                fprintf(f, " its VMM threads on %s (were %s)\n", emu, snap[i].emu);
            }
            count++;
        }
        free(vcpus);
        free(emu);
    }
    if (count && !json)
        fprintf(f, "  (apply to the running guests: virsh vcpupin and emulatorpin, xl vcpu-pin, "
                   "taskset; plan directories written before keep the old sets)\n");
    return count;
}

static void print_free(const struct vt_place_state *s, const struct vt_host *h)
{
    printf("free:\n  node  dedicated CPUs (whole cores)  shared CPUs (vCPUs)  memory      huge "
           "pages\n");
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        struct vt_place_free f;
        char mem[32], col[48];

        vt_place_node_free(s, i, &f);
        vt_size_format(mem, sizeof(mem), f.memory_bytes);
        snprintf(col, sizeof(col), "%u (%u)", f.dedicated_cpus, f.whole_cores);
        printf("  %4u  %-28s  ", f.pnode, col);
        snprintf(col, sizeof(col), "%u (%u)", f.shared_cpus, f.shared_vcpus);
        printf("%-19s  %-10s ", col, mem);
        for (size_t k = 0; k < n->nhugepages; k++) {
            vt_size_format(mem, sizeof(mem), n->hugepages[k].page_bytes);
            printf(" %s: %" PRIu64 "/%" PRIu64, mem,
                   vt_place_node_free_pages(s, i, n->hugepages[k].page_bytes),
                   n->hugepages[k].total);
        }
        printf("\n");
    }
}

static int parse_opts(int argc, char **argv, struct place_opts *o, struct cli_host_opts *ho)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"state", required_argument, NULL, OPT_PLACE_STATE},
        {"name", required_argument, NULL, OPT_PLACE_NAME},
        {"vcpus", required_argument, NULL, OPT_PLACE_VCPUS},
        {"memory", required_argument, NULL, OPT_PLACE_MEMORY},
        {"vnodes", required_argument, NULL, OPT_PLACE_VNODES},
        {"hugepages", required_argument, NULL, OPT_PLACE_HUGEPAGES},
        {"cpu-policy", required_argument, NULL, OPT_PLACE_CPU_POLICY},
        {"thread-policy", required_argument, NULL, OPT_PLACE_THREAD_POLICY},
        {"emulator-cpus", required_argument, NULL, OPT_PLACE_EMULATOR},
        {"overcommit-memory", no_argument, NULL, OPT_PLACE_OVERCOMMIT},
        {"nodes", required_argument, NULL, OPT_PLACE_NODES},
        {"shared-ratio", required_argument, NULL, OPT_PLACE_RATIO},
        {"release", required_argument, NULL, OPT_PLACE_RELEASE},
        {"list", no_argument, NULL, OPT_PLACE_LIST},
        {"plan-out", required_argument, NULL, OPT_PLACE_PLAN_OUT},
        {"mem-layout", required_argument, NULL, OPT_PLACE_MEM_LAYOUT},
        {"apic", required_argument, NULL, OPT_PLACE_APIC},
        {"dry-run", no_argument, NULL, OPT_PLACE_DRY_RUN},
        {"json", no_argument, NULL, OPT_PLACE_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct vt_err err;
    uint64_t bytes;
    int opt, v;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (cli_host_opt(ho, opt, optarg))
            continue;
        switch (opt) {
        case OPT_PLACE_STATE:
            o->state = optarg;
            break;
        case OPT_PLACE_NAME:
            o->r.name = optarg;
            break;
        case OPT_PLACE_VCPUS:
            if (cli_parse_uint(optarg, VT_MAX_VCPUS, &o->r.vcpus) < 0 || !o->r.vcpus)
                return cli_usage_error("place", "--vcpus '%s': a number from 1 to %d", optarg,
                                       VT_MAX_VCPUS);
            o->have_vcpus = true;
            break;
        case OPT_PLACE_MEMORY:
            if (vt_size_parse_unit(optarg, &o->r.memory_bytes, &err) < 0)
                return cli_usage_error("place", "--memory: %s", err.msg);
            o->have_memory = true;
            break;
        case OPT_PLACE_VNODES:
            if (cli_parse_uint(optarg, VT_PLACE_MAX_VNODES, &o->r.vnodes) < 0 || !o->r.vnodes)
                return cli_usage_error("place", "--vnodes '%s': a number from 1 to %d", optarg,
                                       VT_PLACE_MAX_VNODES);
            break;
        case OPT_PLACE_HUGEPAGES:
            if (vt_size_parse_unit(optarg, &bytes, &err) < 0)
                return cli_usage_error("place", "--hugepages: %s", err.msg);
            o->r.hugepage_bytes = bytes;
            break;
        case OPT_PLACE_CPU_POLICY:
            if ((v = vt_cpu_policy_of_name(optarg)) < 0)
                return cli_usage_error("place", "--cpu-policy '%s': dedicated or shared", optarg);
            o->r.cpu_policy = (enum vt_cpu_policy)v;
            o->policy_given = true;
            break;
        case OPT_PLACE_THREAD_POLICY:
            if ((v = vt_thread_policy_of_name(optarg)) < 0)
                return cli_usage_error("place", "--thread-policy '%s': prefer, isolate or require",
                                       optarg);
            o->r.thread_policy = (enum vt_thread_policy)v;
            o->policy_given = true;
            break;
        case OPT_PLACE_EMULATOR:
            if (cli_parse_uint(optarg, 1024, &o->r.emulator_cpus) < 0)
                return cli_usage_error("place", "--emulator-cpus '%s': a number from 0 to 1024",
                                       optarg);
            break;
        case OPT_PLACE_OVERCOMMIT:
            o->r.overcommit_memory = true;
            break;
        case OPT_PLACE_NODES: {
            const char *p = optarg;

            o->r.npnodes = 0;
            while (*p) {
                char *end;
                unsigned long node;

                errno = 0;
                node = strtoul(p, &end, 10);
                if (end == p || errno || node > VT_NODE_ID_MAX || (*end && *end != ',') ||
                    o->r.npnodes == VT_PLACE_MAX_VNODES)
                    return cli_usage_error("place",
                                           "--nodes '%s': host node numbers, comma-separated, at "
                                           "most %d",
                                           optarg, VT_PLACE_MAX_VNODES);
                o->nodes[o->r.npnodes++] = (unsigned)node;
                p = *end ? end + 1 : end;
            }
            if (!o->r.npnodes)
                return cli_usage_error("place", "--nodes: give at least one host node");
            o->r.pnodes = o->nodes;
            break;
        }
        case OPT_PLACE_RATIO:
            if (cli_parse_uint(optarg, 1024, &o->ratio) < 0 || !o->ratio)
                return cli_usage_error("place", "--shared-ratio '%s': a number from 1 to 1024",
                                       optarg);
            o->have_ratio = true;
            break;
        case OPT_PLACE_RELEASE:
            o->release = optarg;
            break;
        case OPT_PLACE_LIST:
            o->list = true;
            break;
        case OPT_PLACE_PLAN_OUT:
            o->plan_out = optarg;
            break;
        case OPT_PLACE_MEM_LAYOUT:
            o->mem_layout = optarg;
            break;
        case OPT_PLACE_APIC:
            o->apic = optarg;
            break;
        case OPT_PLACE_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_PLACE_JSON:
            o->json = true;
            break;
        case 'q':
            ho->quiet = true;
            break;
        case 'h':
            cmd_place_usage(stdout);
            return -1;
        default:
            return cli_bad_option("place", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("place", "unexpected argument '%s'", argv[optind]);
    if (!o->state || !*o->state)
        return cli_usage_error("place", "--state FILE is required (the placed guests)");
    if (o->list + !!o->release + !!o->r.name > 1)
        return cli_usage_error("place", "--name, --release and --list are alternatives: give one");
    if (!o->list && !o->release && !o->r.name)
        return cli_usage_error("place", "give --name NAME (with --vcpus and --memory), --release "
                                        "NAME or --list");
    if (o->r.name && (!o->have_vcpus || !o->have_memory))
        return cli_usage_error("place", "--name goes with --vcpus and --memory");
    if (!o->r.name && (o->have_vcpus || o->have_memory || o->r.vnodes || o->r.hugepage_bytes ||
                       o->r.emulator_cpus || o->plan_out || o->dry_run || o->r.npnodes ||
                       o->r.overcommit_memory || o->policy_given || o->mem_layout || o->apic))
        return cli_usage_error("place", "the request and --plan-out, --dry-run go with --name");
    if (o->plan_out && !*o->plan_out)
        return cli_usage_error("place", "--plan-out: an empty directory name");
    return 0;
}

/* The state file's lock (FILE.lock, made when missing, never removed):
 * held from reading the state to replacing it. */
static int lock_state(const char *state, bool shared, int *fd)
{
    char path[4200], real[PATH_MAX + 1], *dir = NULL;
    struct stat st;

    /* A state that is not a regular file (a FIFO, a device, a directory, a
     * link to nothing) is refused before a lock is made beside it. */
    if (lstat(state, &st) == 0) {
        if (stat(state, &st) < 0) {
            cli_error("place", "%s: a symbolic link to nothing; name the file itself", state);
            return VT_EXIT_USAGE;
        }
        if (!S_ISREG(st.st_mode)) {
            cli_error("place", "%s: %s, not a regular file", state, vt_file_type_name(st.st_mode));
            return VT_EXIT_USAGE;
        }
    }

    /* One lock per file, whatever name reaches it: the name the write goes
     * to (a symbolic link followed, the directory resolved). */
    if (realpath(state, real)) {
        state = real;
    } else if (errno == ENOENT && (dir = strdup(state))) {
        char *slash = strrchr(dir, '/'), dreal[PATH_MAX + 1];
        const char *base = slash ? slash + 1 : state;

        if (slash == dir)
            snprintf(dreal, sizeof(dreal), "/");
        else if (slash)
            *slash = '\0';
        if ((slash == dir || realpath(slash ? dir : ".", dreal)) &&
            snprintf(real, sizeof(real), "%s/%s", strcmp(dreal, "/") ? dreal : "", base) <
                (int)sizeof(real))
            state = real;
        free(dir);
    }
    if (snprintf(path, sizeof(path), "%s.lock", state) >= (int)sizeof(path)) {
        cli_error("place", "%s: the name is too long", state);
        return VT_EXIT_USAGE;
    }
    if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0 && shared &&
        (errno == EACCES || errno == EROFS || errno == EPERM)) {
        /* A reader that may not make the lock reads without it: the state
         * is replaced whole, so it sees the old one or the new one. */
        if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return VT_EXIT_OK;
    }
    if (*fd < 0) {
        cli_error("place", "%s: cannot open the lock: %s", path, strerror(errno));
        return errno == ENOENT || errno == ENOTDIR ? VT_EXIT_USAGE : VT_EXIT_SYSTEM;
    }
    while (flock(*fd, shared ? LOCK_SH : LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        cli_error("place", "%s: cannot lock: %s", path, strerror(errno));
        close(*fd);
        return VT_EXIT_SYSTEM;
    }
    return VT_EXIT_OK;
}

/* The state in FILE, or a new one when FILE does not exist. */
static int load_state(const struct place_opts *o, const struct vt_host *h,
                      struct vt_place_state **s)
{
    struct vt_err err;
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (access(o->state, F_OK) < 0) {
        if (errno != ENOENT) {
            cli_error("place", "%s: %s", o->state, strerror(errno));
            return VT_EXIT_SYSTEM;
        }
        rc = vt_place_state_new(h, o->have_ratio ? o->ratio : 0, s, &err);
        return rc < 0 ? cli_fail("place", &err) : VT_EXIT_OK;
    }
    if (vt_read_file(o->state, PLACE_STATE_MAX, VT_READ_TEXT, &text, &len, &err) < 0)
        return cli_fail("place", &err);
    rc = vt_place_state_parse(h, text, len, o->state, s, &err);
    free(text);
    if (rc < 0)
        return cli_fail("place", &err);
    if (o->have_ratio && o->ratio != vt_place_state_shared_ratio(*s)) {
        cli_error("place", "--shared-ratio %u: the state %s has %u (a state keeps its own)",
                  o->ratio, o->state, vt_place_state_shared_ratio(*s));
        return VT_EXIT_USAGE;
    }
    return VT_EXIT_OK;
}

static int save_state(const struct place_opts *o, const struct vt_place_state *s)
{
    struct vt_err err;
    char *json = NULL;
    int rc = vt_place_state_to_json(s, &json, &err);

    if (rc == 0)
        rc = vt_write_file_atomic(o->state, json, strlen(json), &err);
    free(json);
    return rc < 0 ? cli_fail("place", &err) : VT_EXIT_OK;
}

/* What a placement (g) or a release (g NULL) did, on stdout, written whole
 * or not at all: the guest and the guests to re-pin (text), or one JSON
 * object. Returns an exit status. */
static int report(const struct place_opts *o, const struct vt_place_state *s,
                  const struct vt_placed_guest *g, const struct float_snap *snap, size_t nsnap)
{
    char *text = NULL, *json = NULL, *opts = NULL, *jopts = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct vt_err err;
    int rc = f ? 0 : -ENOMEM;

    if (rc == 0 && !o->json) {
        if (g) {
            /* print_guest writes to stdout: keep the order by flushing. */
            fflush(stdout);
            rc = print_guest(s, g, o->dry_run ? "would place" : "placed");
        }
        if (rc == 0 && snap_report(f, s, snap, nsnap, false, o->dry_run) < 0)
            rc = -ENOMEM;
    } else if (rc == 0) {
        if (g && (vt_place_guest_to_json(g, &json, &err) < 0 ||
                  plan_options(s, g, &opts, &err) < 0 || !(jopts = vt_text_json_dup(opts))))
            rc = -ENOMEM;
        if (rc == 0 && g) {
            json[strlen(json) - (*json && json[strlen(json) - 1] == '\n')] = '\0';
            fprintf(
                f,
                "{\n  \"recorded\": %s,\n  \"plan_options\": %s,\n  \"guest\": %s,\n  \"repin\": [",
                o->dry_run ? "false" : "true", jopts, json);
        } else if (rc == 0) {
            fprintf(f, "{\n  \"released\": \"%s\",\n  \"repin\": [", o->release);
        }
        if (rc == 0) {
            long n = snap_report(f, s, snap, nsnap, true, o->dry_run);

            if (n < 0)
                rc = -ENOMEM;
            fprintf(f, "%s]\n}\n", n > 0 ? "\n  " : "");
        }
    }
    if (f && fclose(f) != 0)
        rc = -ENOMEM;
    if (rc == 0)
        fwrite(text, 1, len, stdout);
    free(text);
    free(json);
    free(opts);
    free(jopts);
    if (rc < 0) {
        cli_error("place", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    return VT_EXIT_OK;
}

/* --plan-out DIR: the placed guest planned on h and written as one set. */
static int plan_out(const char *dir, const struct vt_host *h, const struct vt_place_state *s,
                    const struct vt_placed_guest *g, bool quiet)
{
    struct vt_request *r = NULL;
    struct vt_layout *l = NULL;
    struct vt_err err;
    int rc = VT_EXIT_OK;

    if (guest_request(s, g, &r, &err) < 0 || vt_plan(h, r, &l, &err) < 0 ||
        vt_layout_write_dir(l, h, dir, &err) < 0) {
        vt_err_prefix(&err, "--plan-out %s: ", dir);
        rc = cli_fail("place", &err);
    } else if (!quiet) {
        for (size_t i = 0; i < vt_layout_warning_count(l); i++)
            cli_line(stderr, "vtopo place: warning: %s", vt_layout_warning(l, i));
    }
    vt_layout_free(l);
    vt_request_free(r);
    return rc;
}

int cmd_place(int argc, char **argv)
{
    struct place_opts o = {0};
    struct cli_host_opts ho = {0};
    struct vt_host *h = NULL;
    struct vt_place_state *s = NULL;
    const struct vt_placed_guest *g = NULL;
    struct vt_err err;
    struct float_snap *snap = NULL;
    size_t nsnap = 0;
    int rc, lock = -1;

    if ((rc = parse_opts(argc, argv, &o, &ho)) != 0)
        return rc < 0 ? VT_EXIT_OK : rc;
    opt_mem_layout = o.mem_layout;
    opt_apic = o.apic;
    /* A bad --mem-layout or --apic is refused before the state is read. */
    if (o.mem_layout || o.apic) {
        struct vt_request *check = vt_request_new();
        int bad = !check ||
                  (o.mem_layout && vt_request_parse_mem_layout(check, o.mem_layout, &err) < 0) ||
                  (o.apic && vt_request_parse_apic(check, o.apic, &err) < 0);

        vt_request_free(check);
        if (bad)
            return check ? cli_usage_error("place", "%s", err.msg) : VT_EXIT_SYSTEM;
    }
    if ((rc = cli_load_host("place", &ho, &h)) != VT_EXIT_OK)
        return rc;
    if ((rc = lock_state(o.state, o.list || o.dry_run, &lock)) != VT_EXIT_OK)
        goto out;
    if ((rc = load_state(&o, h, &s)) != VT_EXIT_OK)
        goto out;
    if (o.list) {
        if (o.json) {
            char *json = NULL;

            if (vt_place_state_to_json(s, &json, &err) < 0) {
                rc = cli_fail("place", &err);
                goto out;
            }
            fputs(json, stdout);
            free(json);
        } else {
            cli_line(stdout, "%zu guest%s placed on host %s (state %s)", vt_place_guest_count(s),
                     vt_place_guest_count(s) == 1 ? "" : "s", vt_host_description(h), o.state);
            for (size_t i = 0; i < vt_place_guest_count(s); i++)
                if (print_guest(s, vt_place_guest(s, i), "guest") < 0) {
                    cli_error("place", "out of memory");
                    rc = VT_EXIT_SYSTEM;
                    goto out;
                }
            print_free(s, h);
        }
        goto out;
    }
    /* What every guest floats on now, to say who must re-pin after. */
    if (!(snap = snap_take(s, &nsnap))) {
        cli_error("place", "out of memory");
        rc = VT_EXIT_SYSTEM;
        goto out;
    }
    if (o.release) {
        if (vt_place_release(s, o.release, &err) < 0) {
            cli_error("place", "--release %s: %s (in %s)", o.release, err.msg, o.state);
            rc = VT_EXIT_USAGE;
            goto out;
        }
        if ((rc = save_state(&o, s)) != VT_EXIT_OK)
            goto out;
        if (!o.json && !ho.quiet)
            cli_line(stdout, "released '%s'", o.release);
        rc = report(&o, s, NULL, snap, nsnap);
        goto out;
    }
    if (vt_place(s, &o.r, &g, &err) < 0) {
        if (err.code == -ENOSPC) {
            cli_error("place", "%s", err.msg);
            if (o.json) { /* a toolstack reads the refusal where it reads a placement */
                char *j = vt_text_json_dup(err.msg);

                printf("{\n  \"recorded\": false,\n  \"refused\": %s\n}\n", j ? j : "\"?\"");
                free(j);
            }
            rc = VT_EXIT_PROBLEMS;
        } else {
            rc = cli_fail("place", &err);
        }
        goto out;
    }
    /* The plan first: a guest is recorded only once its plan is made. */
    if (o.plan_out && (rc = plan_out(o.plan_out, h, s, g, ho.quiet)) != VT_EXIT_OK)
        goto out;
    if (!o.dry_run && (rc = save_state(&o, s)) != VT_EXIT_OK)
        goto out;
    rc = report(&o, s, g, snap, nsnap);
out:
    snap_free(snap, nsnap);
    if (lock >= 0)
        close(lock);
    vt_place_state_free(s);
    vt_host_free(h);
    return rc;
}
