/* Unit tests: PCI devices in the plan (plan/devices.c) — which vnode each
 * device goes to, its root port and guest address, the expanders' bus
 * numbers, every refusal, and re-planning with a device fewer or more
 * keeping every other fact (a seeded random property test). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"
#include "unit/support.h"
#include "vtopo/emit.h"
#include "vtopo/layout.h"
#include "vtopo/vmm.h"

/* A request from "vcpus memory(MiB) vnodes" plus --device texts ("|"
 * separated) and spare slots ("" for none); NULL with err set on a setter's
 * refusal. */
static struct vt_request *dev_request(unsigned vcpus, unsigned mib, unsigned vnodes,
                                      const char *devices, const char *spare, const char *extra,
                                      struct vt_err *err)
{
    struct vt_request *r = cli_request_new();
    char *copy = strdup(devices), *save = NULL, *tok;
    int rc;

    assert_non_null(r);
    assert_non_null(copy);
    rc = vt_request_set_vcpus(r, vcpus, err);
    if (rc == 0)
        rc = vt_request_set_memory(r, (uint64_t)mib << 20, err);
    if (rc == 0)
        rc = vt_request_set_vnodes(r, vnodes, err);
    if (rc == 0)
        rc = vt_request_set_mem_layout(r, VT_MEM_QEMU_Q35, NULL, err);
    for (tok = strtok_r(copy, "|", &save); tok && rc == 0; tok = strtok_r(NULL, "|", &save))
        rc = vt_request_parse_device(r, tok, err);
    if (rc == 0 && *spare)
        rc = vt_request_parse_spare_slots(r, spare, err);
    if (rc == 0 && extra && !strcmp(extra, "strict"))
        vt_request_set_strict_devices(r, true);
    else if (rc == 0 && extra)
        rc = vt_request_parse_vnode_pnodes(r, extra, err);
    free(copy);
    if (rc < 0) {
        vt_request_free(r);
        return NULL;
    }
    return r;
}

static struct vt_layout *dev_plan(const struct vt_host *h, unsigned vcpus, unsigned vnodes,
                                  const char *devices, const char *spare, const char *extra)
{
    struct vt_err err;
    struct vt_request *r = dev_request(vcpus, 1024, vnodes, devices, spare, extra, &err);
    struct vt_layout *l = NULL;

    if (!r)
        fail_msg("'%s': request rejected: %s", devices, err.msg);
    if (vt_plan(h, r, &l, &err) != 0)
        fail_msg("'%s': %s", devices, err.msg);
    vt_request_free(r);
    return l;
}

static void dev_reject(const struct vt_host *h, unsigned vcpus, unsigned vnodes,
                       const char *devices, const char *spare, const char *extra,
                       const char *fragment)
{
    struct vt_err err;
    struct vt_request *r = dev_request(vcpus, 1024, vnodes, devices, spare, extra, &err);
    struct vt_layout *l = NULL;
    int rc = r ? vt_plan(h, r, &l, &err) : err.code;

    if (rc != -EINVAL || !strstr(err.msg, fragment))
        fail_msg("'%s': got %d '%s', want -EINVAL and '%s'", devices, rc, rc ? err.msg : "",
                 fragment);
    assert_null(l);
    vt_request_free(r);
}

static bool has_warning(const struct vt_layout *l, const char *fragment)
{
    for (size_t i = 0; i < vt_layout_warning_count(l); i++)
        if (strstr(vt_layout_warning(l, i), fragment))
            return true;
    return false;
}

/* Host: 2 sockets x 2 nodes; devices 01 on node 1, 02 on 3, 03 on none,
 * 04 on node 2. */
#define HOST4                                                                                      \
    "sockets=2,nodes-per-socket=2,cores=4,distances=10:12:32,devices=nvme@1:9,net@3:4,gpu@none,"   \
    "nvme@2"

static void test_vnode_choice(void **state)
{
    struct vt_host *h = t_synthetic(HOST4);
    struct vt_layout *l;
    const struct vt_device *d;

    (void)state;
    /* 2 vnodes on nodes 0 and 1 (nearest-first from node 0): 01 on its node
     * 1; 04 (node 2) nearest is node 0 (12 < 32), warned with the distance. */
    l = dev_plan(h, 4, 2, "0000:01:00.0|0000:04:00.0|0000:03:00.0@1,model=virtio-net,queues=2", "",
                 NULL);
    d = vt_layout_device(l, 0);
    assert_int_equal(d->vnode, 1);
    assert_int_equal(d->pnode, 1);
    assert_int_equal(d->distance, 10);
    assert_int_equal(d->linux_node, 1);
    d = vt_layout_device(l, 1);
    assert_int_equal(d->pnode, 2);
    assert_int_equal(vt_layout_vnode(l, d->vnode)->pnode, 0);
    assert_int_equal(d->distance, 32);
    assert_true(has_warning(l, "device 0000:04:00.0 is on host node 2 but its vnode 0 is on host "
                               "node 0: every DMA and interrupt crosses distance 32"));
    d = vt_layout_device(l, 2);
    assert_int_equal(d->vnode, 1);
    assert_int_equal(d->pnode, -1);
    assert_int_equal(d->distance, 0);
    assert_int_equal(d->model, VT_DEVICE_VIRTIO_NET);
    assert_int_equal(d->queues, 2);
    /* Expanders: vnode 0 (1 port) at 252, vnode 1 (2 ports) at 253; guest
     * buses after each root port. */
    assert_int_equal(vt_layout_expander_count(l), 2);
    assert_int_equal(vt_layout_expander(l, 0)->bus_nr, 251);
    assert_int_equal(vt_layout_expander(l, 1)->bus_nr, 253);
    assert_string_equal(vt_layout_device(l, 0)->guest_bdf, "0000:fe:00.0");
    assert_string_equal(vt_layout_device(l, 2)->guest_bdf, "0000:ff:00.0");
    assert_string_equal(vt_layout_device(l, 1)->guest_bdf, "0000:fc:00.0");
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_fewest_devices(void **state)
{
    struct vt_host *h = t_synthetic("sockets=1,nodes-per-socket=2,cores=4,devices=nvme@1,nvme@1,"
                                    "nvme@1");
    struct vt_layout *l = dev_plan(h, 6, 3, "0000:01:00.0|0000:02:00.0|0000:03:00.0", "", "1,1,0");

    (void)state;
    assert_int_equal(vt_layout_device(l, 0)->vnode, 0);
    assert_int_equal(vt_layout_device(l, 1)->vnode, 1);
    assert_int_equal(vt_layout_device(l, 2)->vnode, 0);
    assert_int_equal(vt_layout_expander_count(l), 2);
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_refusals(void **state)
{
    struct vt_host *h = t_synthetic(HOST4);

    (void)state;
    dev_reject(h, 4, 2, "0000:99:00.0", "", NULL,
               "--device 0000:99:00.0: the host has no such PCI device");
    dev_reject(h, 4, 2, "0000:03:00.0", "", NULL,
               "--device 0000:03:00.0: the host does not know the device's node (numa_node -1); "
               "give its vnode (--device 0000:03:00.0@VNODE)");
    dev_reject(h, 4, 2, "0000:01:00.0@2", "", NULL,
               "--device 0000:01:00.0@2: the plan has vnodes 0-1");
    dev_reject(h, 4, 2, "0000:04:00.0", "", "strict",
               "no vnode of the plan is on the device's host node 2, and --strict-devices refuses");
    dev_reject(h, 4, 2, "0000:01:00.0@0", "", "strict",
               "vnode 0 is on host node 0, not the device's node 1");
    dev_reject(h, 4, 2, "3b:00", "", NULL, "--device 3b:00: not a PCI address DDDD:BB:DD.F");
    dev_reject(h, 4, 2, "0000:01:00.0|0000:01:00.0", "", NULL,
               "--device 0000:01:00.0: the device is given twice");
    dev_reject(h, 4, 2, "0000:01:00.0,model=disk", "", NULL, "model 'disk' is not vfio, nvme");
    dev_reject(h, 4, 2, "0000:01:00.0,queues=2", "", NULL, "queues=2 is for an emulated model");
    dev_reject(h, 4, 2, "0000:01:00.0,queues=0,model=nvme", "", NULL, "queues '0' is not a number");
    dev_reject(h, 4, 2, "0000:01:00.0,slot=32", "", NULL, "slot '32' is not a number from 0 to 31");
    dev_reject(h, 4, 2, "0000:01:00.0,color=red", "", NULL, "'color=red' is not model=MODEL");
    dev_reject(h, 4, 2, "0000:01:00.0,slot=1|0000:03:00.0@1,slot=1", "", NULL,
               "--device 0000:03:00.0: slot 1 of vnode 1 is 0000:01:00.0's already");
    dev_reject(h, 4, 2, "0000:01:00.0", "1,2,3", NULL,
               "--spare-slots lists 3 counts but the plan has 2 vnodes");
    dev_reject(h, 4, 2, "0000:01:00.0", "32", NULL,
               "--spare-slots: count '32' is not a number from 0 to 31");
    dev_reject(h, 4, 2, "0000:01:00.0|0000:03:00.0@1", "31", NULL,
               "vnode 1 needs 33 root ports (2 devices, 31 spares), more than the 32 devices of "
               "its expander's bus (--device, --spare-slots)");
    /* 4 devices and 29 spares on one vnode: the expander's bus has 32. */
    dev_reject(h, 4, 2, "0000:03:00.0@0|0000:01:00.0@0|0000:02:00.0@0|0000:04:00.0@0", "29", NULL,
               "vnode 0 needs 33 root ports");
    vt_host_free(h);
    /* A vnode Linux makes no node of at boot cannot hold a device. */
    h = t_synthetic(HOST4);
    {
        struct vt_err err;
        struct vt_request *r = cli_request_new();
        struct vt_layout *l = NULL;

        assert_int_equal(vt_request_set_vcpus(r, 4, &err), 0);
        assert_int_equal(vt_request_set_max_vcpus(r, 6, &err), 0);
        assert_int_equal(vt_request_parse_vcpu_vnodes(r, "0-3:0,4-5:1", &err), 0);
        assert_int_equal(vt_request_parse_vnode_memory(r, "1G,0", &err), 0);
        assert_int_equal(vt_request_set_memory(r, UINT64_C(1) << 30, &err), 0);
        assert_int_equal(vt_request_set_mem_layout(r, VT_MEM_QEMU_Q35, NULL, &err), 0);
        assert_int_equal(vt_request_parse_device(r, "0000:01:00.0@1", &err), 0);
        assert_int_equal(vt_plan(h, r, &l, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "vnode 1 cannot hold a device: its node is not online when "
                                        "Linux scans PCI"));
        vt_request_free(r);
        r = dev_request(4, 1024, 2, "0000:01:00.0", "", NULL, &err);
        vt_request_set_mem_layout(r, VT_MEM_QEMU_PC, NULL, &err);
        assert_int_equal(vt_plan(h, r, &l, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "which QEMU has on the q35 machine only (pxb-pcie); plan "
                                        "with --mem-layout qemu-q35"));
        vt_request_free(r);
    }
    vt_host_free(h);
    /* Bus numbers: 64 vnodes of 4 spare ports each need 320 of 240. */
    h = t_synthetic("sockets=64,cores=1");
    dev_reject(h, 64, 64, "", "4", NULL,
               "the devices' expanders need 320 bus numbers (one per expander and one per root "
               "port) but buses 16-255 hold only 240");
    vt_host_free(h);
}

/* The layout as JSON without its request and devices: every other fact. */
static char *facts(const struct vt_layout *l)
{
    struct vt_err err;
    char *json = NULL, *p, *q;

    assert_int_equal(vt_layout_to_json(l, &json, &err), 0);
    /* Drop the "devices" array (the layout's, after the request). */
    p = strstr(json, "\n  \"devices\": [");
    q = p ? strstr(p, "\n  \"pci_expanders\"") : NULL;
    assert_non_null(q);
    memmove(p, q, strlen(q) + 1);
    p = strstr(json, "\"request\"");
    q = p ? strstr(p, "\n  }") : NULL;
    assert_non_null(q);
    memmove(p, q, strlen(q) + 1);
    /* And the warnings, which may name a device (compared apart). */
    p = strstr(json, "\n  \"warnings\": [");
    q = p ? strstr(p, "\n  \"cpuid\"") : NULL;
    assert_non_null(q);
    memmove(p, q, strlen(q) + 1);
    return json;
}

/* The first line where a and b differ (for a failure's message). */
static const char *first_difference(const char *a, const char *b, char *buf, size_t size)
{
    size_t i = 0, line = 0;

    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n')
            line = i + 1;
        i++;
    }
    snprintf(buf, size, "%.*s | %.*s", (int)strcspn(a + line, "\n"), a + line,
             (int)strcspn(b + line, "\n"), b + line);
    return buf;
}

static const struct vt_device *find(const struct vt_layout *l, const char *bdf)
{
    for (size_t i = 0; i < vt_layout_device_count(l); i++)
        if (!strcmp(vt_layout_device(l, i)->host_bdf, bdf))
            return vt_layout_device(l, i);
    return NULL;
}

/* Random hosts with devices, random plans: the guest buses are distinct,
 * each device behind its vnode's expander and on its own node's vnode where
 * one exists; without a device, and with it back, every other fact (vCPUs,
 * vnodes, ranges, tables, expanders, the other devices' addresses) is the
 * same. */
static void test_random_replan(void **state)
{
    unsigned seed = t_seed("test_random_replan");

    (void)state;
    for (int iter = 0; iter < 300; iter++) {
        unsigned sockets = 1 + (unsigned)rand() % 3, nps = 1 + (unsigned)rand() % 2;
        unsigned nodes = sockets * nps, ndev = 1 + (unsigned)rand() % 6, vnodes;
        char spec[512], devices[512] = "", spare[16] = "";
        struct vt_host *h;
        struct vt_layout *l, *without = NULL, *with = NULL;
        struct vt_request *r;
        struct vt_err err;
        char *a, *b;
        const struct vt_device *gone;
        struct vt_device_request back;
        char bdf[VT_DEVICE_SPEC_MAX], line[1024];

        snprintf(spec, sizeof(spec), "sockets=%u,nodes-per-socket=%u,cores=%u,devices=", sockets,
                 nps, 2 * nps);
        for (unsigned i = 0; i < ndev; i++)
            snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%snvme@%u:%u", i ? "," : "",
                     (unsigned)rand() % nodes, (unsigned)rand() % 8);
        h = t_synthetic(spec);
        vnodes = 1 + (unsigned)rand() % nodes;
        for (unsigned i = 0; i < ndev; i++)
            snprintf(devices + strlen(devices), sizeof(devices) - strlen(devices),
                     "%s0000:%02x:00.0%s", i ? "|" : "", i + 1,
                     rand() % 4 ? "" : ",model=virtio-blk");
        snprintf(spare, sizeof(spare), "%u", (unsigned)rand() % 3);
        l = dev_plan(h, 2 * vnodes, vnodes, devices, spare, NULL);
        for (size_t i = 0; i < vt_layout_device_count(l); i++) {
            const struct vt_device *d = vt_layout_device(l, i);
            const struct vt_pci_expander *e = vt_layout_vnode_expander(l, d->vnode);
            bool own = false;

            assert_non_null(e);
            if (d->guest_bus != e->bus_nr + 1 + d->slot || d->slot >= e->ports)
                fail_msg("seed %u: %s: bus %u slot %u, expander %u/%u", seed, spec, d->guest_bus,
                         d->slot, e->bus_nr, e->ports);
            for (size_t k = 0; k < i; k++)
                if (vt_layout_device(l, k)->guest_bus == d->guest_bus)
                    fail_msg("seed %u: %s: two devices on bus %u", seed, spec, d->guest_bus);
            for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
                own |= vt_layout_vnode(l, v)->pnode == d->pnode;
            if (own && vt_layout_vnode(l, d->vnode)->pnode != d->pnode)
                fail_msg("seed %u: %s: device %s off its node though a vnode is on it", seed, spec,
                         d->host_bdf);
        }
        for (size_t k = 0; k < vt_layout_expander_count(l); k++) {
            const struct vt_pci_expander *e = vt_layout_expander(l, k);

            if (e->bus_nr < VT_EXPANDER_FIRST_BUS ||
                (k + 1 < vt_layout_expander_count(l) &&
                 e->bus_nr + e->ports >= vt_layout_expander(l, k + 1)->bus_nr) ||
                (k + 1 == vt_layout_expander_count(l) && e->bus_nr + e->ports != 255))
                fail_msg("seed %u: %s: expander %zu's buses %u-%u", seed, spec, k, e->bus_nr,
                         e->bus_nr + e->ports);
        }
        /* Without a random device, then with it back. */
        gone = vt_layout_device(l, (size_t)rand() % vt_layout_device_count(l));
        if (vt_layout_request_without_device(l, gone->host_bdf, &r, &err) < 0 ||
            vt_plan(h, r, &without, &err) < 0)
            fail_msg("seed %u: %s: without %s: %s", seed, spec, gone->host_bdf, err.msg);
        vt_request_free(r);
        a = facts(l);
        b = facts(without);
        if (strcmp(a, b))
            fail_msg("seed %u: %s: without %s the plan differs: %s", seed, spec, gone->host_bdf,
                     first_difference(a, b, line, sizeof(line)));
        free(b);
        assert_int_equal(vt_layout_device_count(without), vt_layout_device_count(l) - 1);
        /* Its warnings are the plan's, but for those of the device gone. */
        for (size_t i = 0; i < vt_layout_warning_count(without); i++) {
            bool kept = false;

            for (size_t k = 0; k < vt_layout_warning_count(l); k++)
                kept |= !strcmp(vt_layout_warning(l, k), vt_layout_warning(without, i));
            if (!kept)
                fail_msg("seed %u: %s: a new warning without %s: %s", seed, spec, gone->host_bdf,
                         vt_layout_warning(without, i));
        }
        for (size_t i = 0; i < vt_layout_device_count(without); i++) {
            const struct vt_device *d = vt_layout_device(without, i), *was = find(l, d->host_bdf);

            assert_non_null(was);
            if (strcmp(d->guest_bdf, was->guest_bdf) || d->vnode != was->vnode)
                fail_msg("seed %u: %s: %s moved from %s to %s", seed, spec, d->host_bdf,
                         was->guest_bdf, d->guest_bdf);
        }
        assert_int_equal(vt_device_request_parse(NULL, gone->host_bdf, &back, bdf, &err), 0);
        back.model = gone->model;
        back.vnode = (int)gone->vnode;
        if (vt_layout_request_with_device(without, h, &back, &r, &err) < 0 ||
            vt_plan(h, r, &with, &err) < 0)
            fail_msg("seed %u: %s: with %s back: %s", seed, spec, gone->host_bdf, err.msg);
        vt_request_free(r);
        b = facts(with);
        if (strcmp(a, b))
            fail_msg("seed %u: %s: with %s back the plan differs: %s", seed, spec, gone->host_bdf,
                     first_difference(a, b, line, sizeof(line)));
        /* Back in the lowest spare port of its vnode: where it was, when it
         * was the only one taken away. */
        if (strcmp(find(with, gone->host_bdf)->guest_bdf, gone->guest_bdf))
            fail_msg("seed %u: %s: %s came back at %s, not %s", seed, spec, gone->host_bdf,
                     find(with, gone->host_bdf)->guest_bdf, gone->guest_bdf);
        free(a);
        free(b);
        vt_layout_free(with);
        vt_layout_free(without);
        vt_layout_free(l);
        vt_host_free(h);
    }
}

/* Adding needs a spare port on the device's vnode; the emitters' hot-plug
 * commands name the device's port and a stable id. */
static void test_hotplug_commands(void **state)
{
    struct vt_host *h = t_synthetic(HOST4);
    struct vt_layout *l = dev_plan(h, 4, 2, "0000:01:00.0", "", NULL), *l2;
    struct vt_device_request d = {"0000:04:00.0", -1, VT_DEVICE_VFIO, 0, -1};
    struct vt_strlist cmds = {0};
    struct vt_request *r;
    struct vt_err err;

    (void)state;
    assert_int_equal(vt_layout_request_with_device(l, h, &d, &r, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "--device 0000:04:00.0: no vnode on the device's host node 2, "
                                    "or at a known distance from it, has a spare root port (an "
                                    "expander cannot be added to a running guest: plan with "
                                    "--spare-slots)"));
    assert_int_equal(vt_layout_request_without_device(l, "0000:09:00.0", &r, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "device 0000:09:00.0 is not in the plan (--device)"));
    vt_layout_free(l);
    l = dev_plan(h, 4, 2, "0000:01:00.0", "1", NULL);
    /* What adding refuses, each with its own rule. */
    {
        static const struct {
            struct vt_device_request d;
            const char *msg;
        } bad[] = {
            {{"0000:09:00.0", -1, VT_DEVICE_VFIO, 0, -1},
             "--device 0000:09:00.0: the host has no such PCI device"},
            {{"0000:04:00.0", 5, VT_DEVICE_VFIO, 0, -1},
             "--device 0000:04:00.0@5: the plan has vnodes 0-1"},
            {{"0000:03:00.0", -1, VT_DEVICE_VFIO, 0, -1},
             "the host does not know the device's node (numa_node -1); give its vnode"},
            {{"0000:04:00.0", 1, VT_DEVICE_VFIO, 0, 0},
             "--device 0000:04:00.0,slot=0: root port 0 of vnode 1 is not a spare one (it has "
             "ports 0-1)"},
            {{"0000:01:00.0", 1, VT_DEVICE_VFIO, 0, -1}, "the device is given twice"},
            {{"3b:00", -1, VT_DEVICE_VFIO, 0, -1}, "3b:00: not a PCI address"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            r = NULL;
            if (vt_layout_request_with_device(l, h, &bad[i].d, &r, &err) != -EINVAL ||
                !strstr(err.msg, bad[i].msg))
                fail_msg("add %zu: '%s', want '%s'", i, err.msg, bad[i].msg);
            assert_null(r);
        }
        /* An asked slot that is spare is taken as asked. */
        struct vt_device_request at1 = {"0000:03:00.0", 1, VT_DEVICE_VFIO, 0, 1};

        assert_int_equal(vt_layout_request_with_device(l, h, &at1, &r, &err), 0);
        assert_int_equal(vt_plan(h, r, &l2, &err), 0);
        assert_int_equal(find(l2, "0000:03:00.0")->slot, 1);
        assert_int_equal(find(l2, "0000:03:00.0")->vnode, 1);
        vt_layout_free(l2);
        vt_request_free(r);
        assert_int_equal(vt_layout_request_without_device(l, "0000:01:00.1", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "device 0000:01:00.1 is not in the plan (--device)"));
        assert_int_equal(vt_layout_request_without_device(l, "0000:01:00.0", &r, &err), 0);
        vt_request_free(r);
        assert_int_equal(vt_layout_request_without_device(l, "0:1:0.0", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "0:1:0.0: not a PCI address"));
    }
    assert_int_equal(vt_layout_request_with_device(l, h, &d, &r, &err), 0);
    assert_int_equal(vt_plan(h, r, &l2, &err), 0);
    vt_request_free(r);
    /* 04 is on node 2, nearest vnode 0 (node 0, distance 12). */
    assert_int_equal(find(l2, "0000:04:00.0")->vnode, 0);
    assert_int_equal(vt_emit_qemu_hotplug(l2, NULL, "0000:04:00.0", true, &cmds, &err), 0);
    assert_int_equal(cmds.count, 1);
    assert_string_equal(cmds.items[0],
                        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", "
                        "\"bus\": \"vt_rp0_0\", \"id\": \"vt_dev_0000_04_00_0\", \"host\": "
                        "\"0000:04:00.0\"}}");
    vt_strlist_free(&cmds);
    assert_int_equal(vt_emit_qemu_hotplug(l2, NULL, "0000:01:00.0", false, &cmds, &err), 0);
    assert_string_equal(cmds.items[0], "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                                       "\"vt_dev_0000_01_00_0\"}}");
    vt_strlist_free(&cmds);
    assert_int_equal(vt_emit_cloud_hypervisor_hotplug(l2, "0000:04:00.0", true, &cmds, &err), 0);
    assert_string_equal(cmds.items[0], "add-device");
    assert_string_equal(cmds.items[1], "path=/sys/bus/pci/devices/0000:04:00.0/,id=vt_dev_0000_04_"
                                       "00_0,pci_segment=1,pci_device_id=1");
    vt_strlist_free(&cmds);
    assert_int_equal(vt_emit_qemu_hotplug(l2, NULL, "0000:07:00.0", true, &cmds, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "the plan has no device 0000:07:00.0 (--device)"));
    vt_layout_free(l2);
    vt_layout_free(l);
    vt_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vnode_choice),     cmocka_unit_test(test_fewest_devices),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_random_replan),
        cmocka_unit_test(test_hotplug_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
