/* vtopo: git-style dispatch to one cmd_*.c per subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "cli.h"

const struct vt_cmd vt_cmds[] = {
    {"host", "show a host's NUMA topology, or save it to a host file", cmd_host, cmd_host_usage},
    {"plan", "plan a guest's virtual NUMA layout (APIC IDs, CPUID, memory map)", cmd_plan,
     cmd_plan_usage},
    {"check", "check a guest's ACPI tables and predict what Linux does with them", cmd_check,
     cmd_check_usage},
    {"emit", "print the QEMU, libvirt, xl or cloud-hypervisor configuration of a plan", cmd_emit,
     cmd_emit_usage},
    {"verify", "boot a Linux guest under QEMU with a plan and compare what it sees", cmd_verify,
     cmd_verify_usage},
    {"exec", "run a command on a node's (or a PCI device's) housekeeping CPUs and memory", cmd_exec,
     cmd_exec_usage},
    {"irq", "show, plan, apply and restore interrupt placement; predict managed vectors", cmd_irq,
     cmd_irq_usage},
    {"draw", "draw a host, or a plan beside the host nodes that back it (text or SVG)", cmd_draw,
     cmd_draw_usage},
    {"place", "choose host nodes and CPUs for a new guest among those already placed", cmd_place,
     cmd_place_usage},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: vtopo [--version] [--help] <command> [<args>]\n"
                 "\n"
                 "Guest NUMA topology you can trust, from the host to the guest.\n"
                 "\n"
                 "Commands:\n");
    for (const struct vt_cmd *c = vt_cmds; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "  %-10s %s\n", "help", "show help for a command ('vtopo help host')");
    fprintf(out, "\n"
                 "Exit status: 0 ok, 1 problems found (check, verify), 2 bad usage or input,\n"
                 "3 system error. See vtopo(1) and 'vtopo <command> --help'.\n");
}

static const struct vt_cmd *find_cmd(const char *name)
{
    for (const struct vt_cmd *c = vt_cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* A closed standard descriptor gets /dev/null opened the wrong way round, so
 * that no file vtopo opens takes its number and every use of it fails (and
 * is reported) instead of writing into that file. */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);

            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
}

/* Whatever printed, the output must have reached its destination: a full
 * disk, /dev/full or a closed stdout is a system error (3), for --help and
 * --version as for any output. */
static int finish(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc != VT_EXIT_SYSTEM) {
        /* (a command that checked its own output has said so already) */
        fprintf(stderr, "vtopo: cannot write the output\n");
        return VT_EXIT_SYSTEM;
    }
    return rc;
}

static int run(int argc, char **argv)
{
    const struct vt_cmd *c;

    if (argc < 2) {
        usage(stderr);
        return VT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("vtopo %s\n", vt_version());
        return VT_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return VT_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return VT_EXIT_OK;
        }
        c = find_cmd(argv[2]);
        if (!c) {
            cli_line(stderr, "vtopo: '%s' is not a vtopo command. See 'vtopo --help'.", argv[2]);
            return VT_EXIT_USAGE;
        }
        c->usage(stdout);
        return VT_EXIT_OK;
    }
    c = find_cmd(argv[1]);
    if (!c) {
        cli_line(stderr, "vtopo: '%s' is not a vtopo command. See 'vtopo --help'.", argv[1]);
        return VT_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    reserve_std_fds();
    return finish(run(argc, argv));
}
