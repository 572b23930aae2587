/* Xen's x86 facts, each in one place (internal): the limits of an HVM guest
 * and of vNUMA, and how Xen builds dom0's vCPUs from its boot options.
 * Sources: public/hvm/hvm_info_table.h (HVM_MAX_VCPUS), common/domain.c
 * (vnuma_alloc), arch/x86/dom0_build.c (dom0_max_vcpus, dom0_setup_vcpu,
 * parse_dom0_nodes) and docs/misc/xen-command-line.pandoc. */
#ifndef VT_MODEL_VMM_XEN_H
#define VT_MODEL_VMM_XEN_H

#include "vtopo/bitmap.h"

/* An HVM (and PVH) guest has at most 128 vCPUs; a PVH dom0 too
 * (dom0_max_vcpus() limits it to HVM_MAX_VCPUS). */
#define XEN_HVM_MAX_VCPUS 128
/* vnuma_alloc() rejects nr_vnodes > PAGE_SIZE / sizeof(unsigned) / nr_vnodes
 * (the distance table must fit a 4 KiB page): 32 vnodes at most. */
#define XEN_MAX_VNODES 32

/* The host CPU Xen puts dom0's vCPU on: dom0_setup_vcpu() places vCPU 0 on
 * the first CPU of dom0_cpus (the online CPUs of the dom0_nodes= nodes, all
 * nodes without it) and each next vCPU on the next CPU, wrapping around;
 * dom0_vcpus_pin pins each vCPU there. -1 when dom0_cpus is empty. */
int xen_dom0_vcpu_cpu(const struct vt_bitmap *dom0_cpus, unsigned vcpu);

#endif
