/* vtopo-probe: runs inside a verify guest (as part of its initramfs, linked
 * statically) and prints, on the console, what the guest kernel made of its
 * NUMA topology: each node's CPUs, distances, MemTotal and HMAT access
 * attributes, every online CPU's APIC ID, package, die, core, LLC and CPUID
 * topology leaves, every PCI device's class, node and local CPUs, and the
 * NUMA lines of the kernel log. Every line starts
 * with "VTP " so it can be told from the kernel's own console output; the
 * format is docs/verify.md's. Depends on nothing but the kernel's /proc and
 * /sys, which it mounts when they are not. */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CPUS 8192

/* Read a small sysfs/proc file into buf, without the trailing newline;
 * false when it cannot be read. */
static int read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return 0;
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return 1;
}

static void mount_if_missing(const char *what, const char *where, const char *probe)
{
    struct stat st;

    if (stat(probe, &st) == 0)
        return;
    mkdir(where, 0755);
    if (mount(what, where, what, 0, NULL) != 0)
        printf("VTP error mount %s: %s\n", where, strerror(errno));
}

/* The numbers of a cpulist/nodelist ("0-2,5") into ids; returns the count. */
static int parse_list(const char *s, int *ids, int max)
{
    int n = 0;

    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;

        if (end == s)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        for (long i = a; i <= b && n < max; i++)
            ids[n++] = (int)i;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void print_node_hmat(int node)
{
    static const char *const attrs[] = {"read_latency", "write_latency", "read_bandwidth",
                                        "write_bandwidth"};
    char path[256], buf[64], inits[256] = "";
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/access0/initiators", node);
    if (!(d = opendir(path)))
        return;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "node", 4) != 0)
            continue;
        if (*inits)
            strncat(inits, ",", sizeof(inits) - strlen(inits) - 1);
        strncat(inits, e->d_name + 4, sizeof(inits) - strlen(inits) - 1);
    }
    closedir(d);
    printf("VTP node %d access0 initiators %s", node, *inits ? inits : "-");
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/access0/initiators/%s", node,
                 attrs[i]);
        printf(" %s %s", attrs[i], read_text(path, buf, sizeof(buf)) ? buf : "-");
    }
    printf("\n");
}

static void print_nodes(void)
{
    static int ids[4096];
    char buf[8192], path[256];
    int n;

    if (!read_text("/sys/devices/system/node/online", buf, sizeof(buf))) {
        printf("VTP nodes none\n");
        return;
    }
    printf("VTP nodes online %s\n", buf);
    if (read_text("/sys/devices/system/node/has_generic_initiator", path, sizeof(path)))
        printf("VTP nodes has_generic_initiator %s\n", *path ? path : "-");
    n = parse_list(buf, ids, 4096);
    for (int i = 0; i < n; i++) {
        char *mt;

        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", ids[i]);
        printf("VTP node %d cpus %s\n", ids[i],
               read_text(path, buf, sizeof(buf)) && *buf ? buf : "-");
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", ids[i]);
        printf("VTP node %d distance %s\n", ids[i], read_text(path, buf, sizeof(buf)) ? buf : "-");
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", ids[i]);
        if (read_text(path, buf, sizeof(buf)) && (mt = strstr(buf, "MemTotal:")))
            printf("VTP node %d memtotal_kb %ld\n", ids[i], strtol(mt + 9, NULL, 10));
        print_node_hmat(ids[i]);
    }
}

/* The APIC IDs /proc/cpuinfo reports, by processor number. */
static void cpuinfo_apic_ids(long *apic)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    long cpu = -1;

    for (int i = 0; i < MAX_CPUS; i++)
        apic[i] = -1;
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "processor", 9))
            cpu = strtol(strchr(line, ':') + 1, NULL, 10);
        else if (!strncmp(line, "apicid", 6) && cpu >= 0 && cpu < MAX_CPUS)
            apic[cpu] = strtol(strchr(line, ':') + 1, NULL, 10);
    }
    fclose(f);
}

/* The shared_cpu_list of the CPU's highest-level cache ("-" if none). */
static void llc_list(int cpu, char *out, size_t size)
{
    char path[256], buf[64];
    long best = -1;

    snprintf(out, size, "-");
    for (int i = 0; i < 16; i++) {
        long level;

        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
        if (!read_text(path, buf, sizeof(buf)))
            break;
        level = strtol(buf, NULL, 10);
        if (level < best)
            continue;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu, i);
        if (read_text(path, buf, sizeof(buf)) && !strcmp(buf, "Instruction"))
            continue;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list",
                 cpu, i);
        if (read_text(path, out, size))
            best = level;
    }
}

static int cpu_node(int cpu)
{
    char path[256];
    DIR *d;
    struct dirent *e;
    int node = -1;

    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
    if (!(d = opendir(path)))
        return -1;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
            node = atoi(e->d_name + 4);
    closedir(d);
    return node;
}

static void print_cpuid(int cpu)
{
    static const unsigned leaves[][2] = {
        {0x1, 0},  {0x4, 0},  {0x4, 1},  {0x4, 2},        {0x4, 3},        {0xb, 0},       {0xb, 1},
        {0x1f, 0}, {0x1f, 1}, {0x1f, 2}, {0x80000008, 0}, {0x8000001d, 3}, {0x8000001e, 0}};
    unsigned max_basic, max_ext, a, b, c, d;
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        printf("VTP error affinity cpu %d: %s\n", cpu, strerror(errno));
        return;
    }
    __cpuid(0, max_basic, b, c, d);
    __cpuid(0x80000000, max_ext, b, c, d);
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        unsigned leaf = leaves[i][0], sub = leaves[i][1];

        if (leaf < 0x80000000 ? leaf > max_basic : leaf > max_ext)
            continue;
        __cpuid_count(leaf, sub, a, b, c, d);
        printf("VTP cpuid %d 0x%x 0x%x 0x%08x 0x%08x 0x%08x 0x%08x\n", cpu, leaf, sub, a, b, c, d);
    }
}

static void print_cpus(void)
{
    static long apic[MAX_CPUS];
    static int ids[MAX_CPUS];
    char buf[8192], path[256], llc[1024];
    int n;

    if (!read_text("/sys/devices/system/cpu/online", buf, sizeof(buf))) {
        printf("VTP error no /sys/devices/system/cpu/online\n");
        return;
    }
    printf("VTP cpus online %s\n", buf);
    if (read_text("/sys/devices/system/cpu/possible", llc, sizeof(llc)))
        printf("VTP cpus possible %s\n", llc);
    cpuinfo_apic_ids(apic);
    n = parse_list(buf, ids, MAX_CPUS);
    for (int i = 0; i < n; i++) {
        int cpu = ids[i];
        char pkg[32] = "-", die[32] = "-", core[32] = "-";

        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
                 cpu);
        read_text(path, pkg, sizeof(pkg));
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/die_id", cpu);
        read_text(path, die, sizeof(die));
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        read_text(path, core, sizeof(core));
        llc_list(cpu, llc, sizeof(llc));
        printf("VTP cpu %d apic %ld node %d package %s die %s core %s llc %s\n", cpu,
               cpu < MAX_CPUS ? apic[cpu] : -1, cpu_node(cpu), pkg, die, core, llc);
        print_cpuid(cpu);
    }
}

/* The kernel log lines about NUMA, SRAT, SLIT, HMAT, APICs and CPUs. */
static void print_kmsg(void)
{
    static const char *const keys[] = {"NUMA",       "SRAT",   "SLIT",        "HMAT",     "hmat",
                                       "numa",       "Node",   "node ",       "APIC",     "smpboot",
                                       "possible",   "x2apic", "llc-sibling", "topology", "Faking",
                                       "memoryless", "BUG",    "panic"};
    int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
    char *buf, *line, *save;
    int n;

    if (size <= 0 || !(buf = malloc((size_t)size + 1)))
        return;
    n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
    if (n < 0) {
        free(buf);
        return;
    }
    buf[n] = '\0';
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *text = line;

        if (text[0] == '<' && strchr(text, '>'))
            text = strchr(text, '>') + 1;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            if (strstr(text, keys[k])) {
                printf("VTP kmsg %s\n", text);
                break;
            }
    }
    free(buf);
}

/* How often IRQ irq fired, all CPUs (its /proc/interrupts row), or -1. */
static long long irq_count(int irq)
{
    static char text[1 << 20];
    FILE *f = fopen("/proc/interrupts", "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    char *p;
    long long sum = 0;

    if (f)
        fclose(f);
    text[n] = '\0';
    for (p = text; (p = strchr(p, '\n')); p++) {
        char *q = p + 1, *end;

        while (*q == ' ')
            q++;
        if (strtol(q, &end, 10) != irq || *end != ':' || end == q)
            continue;
        for (q = end + 1;;) {
            long long v = strtoll(q, &end, 10);

            if (end == q || (*end != ' ' && *end != '\n'))
                return sum;
            sum += v;
            q = end;
        }
    }
    return -1;
}

/* A device's MSI/MSI-X vectors (its msi_irqs/, once a driver allocated
 * them) in IRQ order, each with its affinity, effective affinity and the
 * interrupts counted. */
static void print_msi(const char *bdf)
{
    char path[320];
    int irqs[2048], n = 0;
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
    if (!(d = opendir(path)))
        return;
    while ((e = readdir(d)) && n < 2048)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            irqs[n++] = atoi(e->d_name);
    closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort: IRQ order is vector order */
        for (int k = i; k > 0 && irqs[k - 1] > irqs[k]; k--) {
            int t = irqs[k];

            irqs[k] = irqs[k - 1];
            irqs[k - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        char mask[256], eff[256];
        int tries = 0;

        /* A vector being set up (a managed IRQ started once its CPU is
         * up, a queue's IRQ requested) may not read yet: try again for up
         * to 5 s, and say why when it never does. */
        snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irqs[i]);
        while ((!read_text(path, mask, sizeof(mask)) || !*mask) && ++tries < 100)
            usleep(50000);
        if (tries == 100) {
            printf("VTP note msi %s %d irq %d: %s: %s\n", bdf, i, irqs[i], path,
                   errno ? strerror(errno) : "empty");
            snprintf(mask, sizeof(mask), "-");
        }
        snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", irqs[i]);
        if (!read_text(path, eff, sizeof(eff)) || !*eff)
            snprintf(eff, sizeof(eff), "-");
        printf("VTP msi %s %d irq %d affinity %s effective %s count %lld\n", bdf, i, irqs[i], mask,
               eff, irq_count(irqs[i]));
    }
}

/* nvme probes its controllers asynchronously and sets their I/O queues up
 * (their vectors, then each IRQ's request) before it calls the controller
 * live: wait until every NVMe device (class 0108) has a live controller,
 * at most 20 s, so its vectors are read whole. */
static void wait_nvme_live(void)
{
    for (int tries = 0; tries < 400; tries++) {
        DIR *d = opendir("/sys/bus/pci/devices");
        struct dirent *e;
        int pending = 0;

        if (!d)
            return;
        while ((e = readdir(d))) {
            char path[640], cls[32], state[32] = "";
            DIR *n;
            struct dirent *c;

            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
            if (!read_text(path, cls, sizeof(cls)) || strncmp(cls, "0x0108", 6) != 0)
                continue;
            snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/nvme", e->d_name);
            if ((n = opendir(path))) {
                while ((c = readdir(n)))
                    if (!strncmp(c->d_name, "nvme", 4)) {
                        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/nvme/%s/state",
                                 e->d_name, c->d_name);
                        read_text(path, state, sizeof(state));
                    }
                closedir(n);
            }
            pending += strcmp(state, "live") != 0;
        }
        closedir(d);
        if (!pending)
            return;
        usleep(50000);
    }
    printf("VTP note an NVMe controller is not live after 20 s\n");
}

/* Every PCI device: its address, class, node and local CPUs as the kernel
 * set them at enumeration (no driver needed). */
static void print_pci(void)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;

    if (!d) {
        printf("VTP pci none\n");
        return;
    }
    while ((e = readdir(d))) {
        char path[320], cls[32], node[32], local[256];

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
        if (!read_text(path, cls, sizeof(cls)))
            snprintf(cls, sizeof(cls), "-");
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", e->d_name);
        if (!read_text(path, node, sizeof(node)))
            snprintf(node, sizeof(node), "-");
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/local_cpulist", e->d_name);
        if (!read_text(path, local, sizeof(local)) || !*local)
            snprintf(local, sizeof(local), "-");
        printf("VTP pci %s class %s node %s local_cpus %s\n", e->d_name, cls, node, local);
        print_msi(e->d_name);
    }
    closedir(d);
}

/* The kernel writes its messages to the console whenever it likes, also
 * into the middle of a line of ours (nvme's "nvme0: 2/0/0 queues" as its
 * controller goes live, while the vectors are printed), and a broken line
 * is a lost one. From here on only emergencies reach the console
 * (console_loglevel 1: a panic still shows); print_kmsg gives the log. */
static void quiet_console(void)
{
    FILE *f = fopen("/proc/sys/kernel/printk", "w");

    if (f) {
        fputs("1\n", f);
        fclose(f);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    mount_if_missing("proc", "/proc", "/proc/self");
    mount_if_missing("sysfs", "/sys", "/sys/devices");
    quiet_console();
    printf("VTP begin 1\n");
    print_nodes();
    print_cpus();
    wait_nvme_live();
    print_pci();
    print_kmsg();
    printf("VTP end\n");
    fflush(stdout);
    /* The console is a UART the kernel drains in the background: wait until
     * everything is sent, or the poweroff that follows can cut the tail off. */
    tcdrain(STDOUT_FILENO);
    return 0;
}
