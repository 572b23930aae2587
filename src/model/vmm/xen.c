/* Xen's x86 facts (model/vmm/xen.h). */
#include "model/vmm/xen.h"

int xen_dom0_vcpu_cpu(const struct vt_bitmap *dom0_cpus, unsigned vcpu)
{
    unsigned n = vt_bitmap_weight(dom0_cpus);
    int cpu = vt_bitmap_first(dom0_cpus);

    if (!n)
        return -1;
    for (unsigned i = 0; i < vcpu % n; i++)
        cpu = vt_bitmap_next(dom0_cpus, cpu);
    return cpu;
}
