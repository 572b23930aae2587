/* Shared pieces of the vtopo CLI: exit codes, messages, host options. */
#ifndef VTOPO_CLI_H
#define VTOPO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "fields.h"
#include "vtopo/vtopo.h"
#include "vtopo/cpuid.h"
#include "vtopo/emit.h"
#include "vtopo/layout.h"

/* Exit codes (docs/man/vtopo.1). */
enum {
    VT_EXIT_OK = 0,
    VT_EXIT_PROBLEMS = 1, /* check/verify found problems */
    VT_EXIT_USAGE = 2,    /* bad usage or bad input */
    VT_EXIT_SYSTEM = 3,   /* system error */
};

struct vt_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
};

extern const struct vt_cmd vt_cmds[];

/* The subcommands (tools/vtopo/cmd_*.c). */
int cmd_host(int argc, char **argv);
void cmd_host_usage(FILE *out);
int cmd_plan(int argc, char **argv);
void cmd_plan_usage(FILE *out);
int cmd_check(int argc, char **argv);
void cmd_check_usage(FILE *out);
int cmd_emit(int argc, char **argv);
void cmd_emit_usage(FILE *out);
int cmd_verify(int argc, char **argv);
void cmd_verify_usage(FILE *out);
int cmd_exec(int argc, char **argv);
void cmd_exec_usage(FILE *out);
int cmd_irq(int argc, char **argv);
void cmd_irq_usage(FILE *out);
int cmd_draw(int argc, char **argv);
void cmd_draw_usage(FILE *out);
int cmd_place(int argc, char **argv);
void cmd_place_usage(FILE *out);

/* Termination signals (SIGINT, SIGTERM, SIGHUP) are recorded, not acted on,
 * from cli_defer_signals to cli_end_deferral, which then re-raises the one
 * recorded: files being written are finished or cleaned up first, never left
 * half-made. Long waits poll cli_interrupted(). */
void cli_defer_signals(void);
bool cli_interrupted(void);
void cli_end_deferral(void);

/* A whole decimal number from 1 to max; -EINVAL otherwise. */
int cli_parse_uint(const char *text, unsigned max, unsigned *out);

/* A line on f (the newline added), the formatted text made safe to print:
 * bytes that could drive a terminal become "\xNN". For every line that shows
 * a value from input (file names, guest output). */
void cli_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "vtopo <cmd>: <message>" on stderr, made safe as cli_line does. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print err and map its code to an exit status (input errors 2, others 3). */
int cli_fail(const char *cmd, const struct vt_err *err);
/* For a bad option: the message, then "Try 'vtopo <cmd> --help'." */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report what getopt_long rejected (its ':' or '?' return) as a usage error:
 * a missing argument, an argument given to a flag, or an unknown option. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* Host selection shared by every command that takes a host. */
struct cli_host_opts {
    const char *fsroot, *host_file, *synthetic, *acpi_dir;
    bool quiet;
    /* The plan commands: --plan DIR (the plan's own host and request), and
     * the first host or request option given, which --plan excludes. */
    const char *plan_dir;
    bool any_host; /* --any-host: a plan of another live host is used here anyway */
    const char *planning_option;
    /* The plan options given: bit opt - OPT_VCPUS (cli_plan_given). */
    unsigned long long given;
};
/* Options (getopt_long ids) for the host selection. */
enum {
    OPT_FSROOT = 256,
    OPT_HOST,
    OPT_SYNTHETIC,
    OPT_ACPI,
    OPT_HOST_LAST,
};
/* clang-format off */
#define CLI_HOST_LONG_OPTIONS                                                                      \
    {"fsroot", required_argument, NULL, OPT_FSROOT},                                               \
    {"host", required_argument, NULL, OPT_HOST},                                                   \
    {"synthetic", required_argument, NULL, OPT_SYNTHETIC},                                         \
    {"acpi", required_argument, NULL, OPT_ACPI}
/* clang-format on */
/* Handle one host option; returns false when opt is not one of them. */
bool cli_host_opt(struct cli_host_opts *o, int opt, const char *arg);
/* The host source the options name (live sysfs by default); 0 or an exit
 * status after a usage error. */
int cli_host_source(const char *cmd, const struct cli_host_opts *o, struct vt_host_source *src);
/* Load the host the options name (live sysfs by default); warnings go to
 * stderr unless quiet. Returns 0 or an exit status. */
int cli_load_host(const char *cmd, const struct cli_host_opts *o, struct vt_host **host);

/* The plan options (vtopo plan, emit, verify): getopt_long ids and table. */
enum {
    OPT_VCPUS = OPT_HOST_LAST + 1,
    OPT_MEMORY,
    OPT_VNODES,
    OPT_VCPU_NODES,
    OPT_PIN,
    OPT_PIN_IDENTITY,
    OPT_VNODE_PNODES,
    OPT_VNODE_MEMORY,
    OPT_SHAPE,
    OPT_VENDOR,
    OPT_APIC,
    OPT_MEM_LAYOUT,
    OPT_ALLOW_SPAN,
    OPT_GUEST_PXMS,
    OPT_DISTANCES,
    OPT_HMAT_LATENCY,
    OPT_HMAT_BANDWIDTH,
    OPT_MAX_VCPUS,
    OPT_INITIATOR,
    OPT_HOTPLUG_MEMORY,
    OPT_PLAN_DEVICE,
    OPT_SPARE_SLOTS,
    OPT_STRICT_DEVICES,
    OPT_VNODE_CPUS,
    OPT_EMULATOR_CPUS,
    OPT_PLAN_DIR,
    OPT_ANY_HOST,
    OPT_PLAN_LAST,
};
/* clang-format off */
#define CLI_PLAN_LONG_OPTIONS                                                                      \
    {"vcpus", required_argument, NULL, OPT_VCPUS},                                                 \
    {"memory", required_argument, NULL, OPT_MEMORY},                                               \
    {"vnodes", required_argument, NULL, OPT_VNODES},                                               \
    {"vcpu-nodes", required_argument, NULL, OPT_VCPU_NODES},                                       \
    {"pin", required_argument, NULL, OPT_PIN},                                                     \
    {"pin-identity", no_argument, NULL, OPT_PIN_IDENTITY},                                         \
    {"vnode-pnodes", required_argument, NULL, OPT_VNODE_PNODES},                                   \
    {"vnode-memory", required_argument, NULL, OPT_VNODE_MEMORY},                                   \
    {"shape", required_argument, NULL, OPT_SHAPE},                                                 \
    {"vendor", required_argument, NULL, OPT_VENDOR},                                               \
    {"apic", required_argument, NULL, OPT_APIC},                                                   \
    {"mem-layout", required_argument, NULL, OPT_MEM_LAYOUT},                                       \
    {"allow-package-span", no_argument, NULL, OPT_ALLOW_SPAN},                                     \
    {"guest-pxms", required_argument, NULL, OPT_GUEST_PXMS},                                       \
    {"distances", required_argument, NULL, OPT_DISTANCES},                                         \
    {"hmat-latency", required_argument, NULL, OPT_HMAT_LATENCY},                                   \
    {"hmat-bandwidth", required_argument, NULL, OPT_HMAT_BANDWIDTH},                               \
    {"max-vcpus", required_argument, NULL, OPT_MAX_VCPUS},                                         \
    {"initiator", required_argument, NULL, OPT_INITIATOR},                                         \
    {"hotplug-memory", required_argument, NULL, OPT_HOTPLUG_MEMORY},                               \
    {"device", required_argument, NULL, OPT_PLAN_DEVICE},                                               \
    {"spare-slots", required_argument, NULL, OPT_SPARE_SLOTS},                                     \
    {"strict-devices", no_argument, NULL, OPT_STRICT_DEVICES},                                     \
    {"vnode-cpus", required_argument, NULL, OPT_VNODE_CPUS},                                       \
    {"emulator-cpus", required_argument, NULL, OPT_EMULATOR_CPUS},                                 \
    {"plan", required_argument, NULL, OPT_PLAN_DIR},                                               \
    {"any-host", no_argument, NULL, OPT_ANY_HOST}
/* clang-format on */
/* Apply one plan option to r; returns 0, a negative error (err set), or 1
 * when opt is not a plan option. */
int cli_plan_opt(struct vt_request *r, int opt, const char *arg, struct vt_err *err);
/* getopt_long over argv (":qh": options anywhere), applying the host and plan options itself:
 * returns the next other option (getopt's ':' and '?' included), -1 at the
 * end, or CLI_OPT_FAILED after reporting a bad plan option (*rc is then the
 * exit status). The caller sets opterr and optind. */
#define CLI_OPT_FAILED (-2)
struct option;
int cli_plan_getopt(const char *cmd, int argc, char **argv, const struct option *longopts,
                    struct cli_host_opts *ho, struct vt_request *r, int *rc);
/* Whether plan option opt (OPT_VCPUS ...) was given. */
bool cli_plan_given(const struct cli_host_opts *ho, int opt);
/* The plan l again, into *out, with a device more (add: --device's text,
 * into a spare root port) or fewer (remove: a host BDF), every other fact
 * kept (vt_layout_request_with_device / _without_device); its warnings
 * printed unless quiet. */
int cli_replan_device(const char *cmd, const struct vt_host *h, const struct vt_layout *l,
                      const char *add, const char *remove, bool quiet, struct vt_layout **out);
/* The help text of the host, guest, placement and shape options. */
void cli_plan_usage_options(FILE *out);
/* The plan: with --plan DIR the directory's own (vt_plan_dir_load: its
 * host.json and its request, planned again and checked against plan.json),
 * else r planned on the host the options name; the plan's warnings are
 * printed (unless quiet). Returns 0 or an exit status; *h and *l are the
 * caller's to free. */
int cli_plan_layout(const char *cmd, const struct cli_host_opts *ho, const struct vt_request *r,
                    struct vt_host **h, struct vt_layout **l);

/* dir/name into buf; -ENAMETOOLONG (with a message) when it does not fit. */
int cli_path(char *buf, size_t size, const char *dir, const char *name, struct vt_err *err);

/* --isolcpus LIST for a planned guest (its vCPUs, hot-pluggable ones
 * included, as Linux numbers them) or, with l NULL, for host h (its possible
 * CPUs): the CPUs in *isolated, the others in *rest (irqaffinity=), and the
 * guest's or host's kernel parameters for them (vt_irq_isolation_params) in
 * *params. An exit status: a bad list is one sentence naming the option,
 * exit 2, and nothing is returned. */
int cli_isolcpus(const char *cmd, const char *text, const struct vt_layout *l,
                 const struct vt_host *h, struct vt_bitmap **isolated, struct vt_bitmap **rest,
                 char **params);

/* "s" for a count other than 1: "%zu vnode%s", n, cli_s(n). */
static inline const char *cli_s(size_t n)
{
    return n == 1 ? "" : "s";
}

#endif
