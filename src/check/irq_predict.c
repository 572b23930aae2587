/* vt_irq_predict_host / vt_irq_predict_layout: the CPUs as the kernel sees
 * them when it spreads (possible, present, cpu_to_node, SMT siblings), from
 * a host or a plan, then Linux's own spreading (model/linux/irq_spread.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/irq_spread.h"
#include "model/linux/numa.h"
#include "model/vmm/qemu.h"
#include "vtopo/irq.h"

struct vt_irq_prediction {
    struct vt_irq_vector *vec;
    struct linux_irq_vector *lv;
    struct vt_bitmap **fires;
    size_t nvec;
    struct vt_bitmap *possible, *present;
    int *node_of;
    size_t ncpu_ids;
};

/* The kernel's view being built: owned arrays behind struct linux_irq_cpus. */
struct cpu_view {
    struct vt_bitmap *possible, *present;
    int *node_of;
    struct vt_bitmap **siblings;
    size_t ncpu_ids, nnode_ids;
};

static void view_free(struct cpu_view *v)
{
    for (size_t i = 0; v->siblings && i < v->ncpu_ids; i++)
        vt_bitmap_free(v->siblings[i]);
    free(v->siblings);
    free(v->node_of);
    vt_bitmap_free(v->possible);
    vt_bitmap_free(v->present);
}

static int view_alloc(struct cpu_view *v, size_t ncpu_ids)
{
    memset(v, 0, sizeof(*v));
    v->ncpu_ids = ncpu_ids;
    v->possible = vt_bitmap_new();
    v->present = vt_bitmap_new();
    v->node_of = malloc((ncpu_ids ? ncpu_ids : 1) * sizeof(*v->node_of));
    v->siblings = calloc(ncpu_ids ? ncpu_ids : 1, sizeof(*v->siblings));
    if (!v->possible || !v->present || !v->node_of || !v->siblings)
        return -ENOMEM;
    for (size_t i = 0; i < ncpu_ids; i++)
        v->node_of[i] = -1;
    return 0;
}

static int check_request(const struct vt_irq_request *q, struct vt_err *err)
{
    size_t used = 0;

    if (!q->vectors || q->vectors > VT_IRQ_MAX_VECTORS)
        return vt_err_set(err, -EINVAL, "vectors %u: must be from 1 to %d", q->vectors,
                          VT_IRQ_MAX_VECTORS);
    if (q->pre > q->vectors || q->post > q->vectors - q->pre)
        return vt_err_set(err, -EINVAL, "%u pre and %u post vectors are more than the %u vectors",
                          q->pre, q->post, q->vectors);
    for (size_t i = 0; i < q->nsets; i++) {
        if (!q->sets[i])
            return vt_err_set(err, -EINVAL, "set %zu: a set has at least one vector", i);
        used += q->sets[i];
    }
    if (used > q->vectors - q->pre - q->post)
        return vt_err_set(err, -EINVAL,
                          "the sets hold %zu vectors but %u are left after %u pre and %u post "
                          "vectors",
                          used, q->vectors - q->pre - q->post, q->pre, q->post);
    return 0;
}

/* online: the CPUs a vector can fire on when it starts (a guest's present
 * vCPUs at boot; a host's online CPUs). */
static int predict(struct cpu_view *v, const struct vt_bitmap *online,
                   const struct vt_irq_request *q, struct vt_irq_prediction **out,
                   struct vt_err *err)
{
    struct linux_irq_cpus c = {v->possible,  v->present,
                               v->node_of,   v->ncpu_ids,
                               v->nnode_ids, (const struct vt_bitmap *const *)v->siblings};
    struct vt_irq_prediction *p = calloc(1, sizeof(*p));
    int rc;

    if (!p)
        return vt_err_set(err, -ENOMEM, "out of memory");
    p->nvec = q->vectors;
    p->vec = calloc(q->vectors, sizeof(*p->vec));
    p->lv = calloc(q->vectors, sizeof(*p->lv));
    p->fires = calloc(q->vectors, sizeof(*p->fires));
    if (!p->vec || !p->lv || !p->fires) {
        vt_irq_prediction_free(p);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    rc = linux_irq_create_affinity_masks(&c, q->vectors, q->pre, q->post, q->sets, q->nsets,
                                         q->default_cpus, p->lv);
    if (rc < 0) {
        vt_irq_prediction_free(p);
        return vt_err_set(err, rc, rc == -ENOMEM ? "out of memory" : "the sets do not fit");
    }
    for (size_t i = 0; i < p->nvec; i++) {
        p->fires[i] = linux_irq_programmed(&c, p->lv[i].mask, p->lv[i].managed,
                                           online ? online : v->present, q->isolated);
        if (!p->fires[i]) {
            vt_irq_prediction_free(p);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
        p->vec[i] =
            (struct vt_irq_vector){(unsigned)i, p->lv[i].managed, p->lv[i].mask, p->fires[i]};
    }
    /* The view's CPU sets and nodes stay with the prediction. */
    p->possible = v->possible;
    p->present = v->present;
    p->node_of = v->node_of;
    p->ncpu_ids = v->ncpu_ids;
    v->possible = v->present = NULL;
    v->node_of = NULL;
    *out = p;
    return 0;
}

int vt_irq_predict_host(const struct vt_host *h, const struct vt_irq_request *q,
                        struct vt_irq_prediction **out, struct vt_err *err)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    int last = vt_bitmap_last(hc->possible);
    struct vt_bitmap *online_nodes = vt_bitmap_new();
    struct cpu_view v;
    int rc;

    *out = NULL;
    if ((rc = check_request(q, err)) < 0) {
        vt_bitmap_free(online_nodes);
        return rc;
    }
    if (view_alloc(&v, last < 0 ? 0 : (size_t)last + 1) < 0 || !online_nodes ||
        vt_bitmap_copy(v.possible, hc->possible) < 0 ||
        vt_bitmap_copy(v.present, hc->present) < 0) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    v.nnode_ids = (size_t)vt_bitmap_last(vt_host_possible_nodes(h)) + 1;
    for (size_t n = 0; n < vt_host_node_count(h); n++)
        vt_bitmap_set(online_nodes, vt_host_node(h, n)->pnode);
    for (size_t cpu = 0; cpu < v.ncpu_ids; cpu++) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)cpu);

        v.node_of[cpu] = vt_host_cpu_pnode(h, (unsigned)cpu);
        if (t && t->siblings && !(v.siblings[cpu] = vt_bitmap_dup(t->siblings))) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }
    linux_numa_init_array(v.node_of, v.possible, online_nodes);
    rc = predict(&v, hc->online, q, out, err);
out:
    view_free(&v);
    vt_bitmap_free(online_nodes);
    return rc;
}

int vt_irq_predict_layout(const struct vt_layout *l, unsigned possible_cpus,
                          const struct vt_irq_request *q, struct vt_irq_prediction **out,
                          struct vt_err *err)
{
    size_t n = vt_layout_vcpu_count(l), nhot = vt_layout_hotplug_vcpu_count(l);
    size_t ncpu = n + nhot > possible_cpus ? n + nhot : possible_cpus;
    struct vt_bitmap *online_nodes = vt_bitmap_new();
    struct cpu_view v;
    int rc, top = -1;

    *out = NULL;
    if ((rc = check_request(q, err)) < 0) {
        vt_bitmap_free(online_nodes);
        return rc;
    }
    if (possible_cpus > VT_MAX_VCPUS) {
        vt_bitmap_free(online_nodes);
        return vt_err_set(err, -EINVAL, "possible_cpus %u: at most %d", possible_cpus,
                          VT_MAX_VCPUS);
    }
    if (view_alloc(&v, ncpu) < 0 || !online_nodes ||
        vt_bitmap_set_range(v.possible, 0, (unsigned)ncpu - 1) < 0 ||
        (n && vt_bitmap_set_range(v.present, 0, (unsigned)n - 1) < 0)) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n + nhot; i++) {
        const struct vt_vcpu *c = i < n ? vt_layout_vcpu(l, i) : vt_layout_hotplug_vcpu(l, i - n);
        const struct vt_vnode *vn = vt_layout_vnode(l, c->vnode);

        v.node_of[i] = vn->linux_node;
        if (vn->linux_node > top)
            top = vn->linux_node;
        /* Siblings: present vCPUs of the same core (Linux links CPUs it
         * brought up; one never up has none). */
        for (size_t k = 0; i < n && k < n; k++) {
            const struct vt_vcpu *o = vt_layout_vcpu(l, k);

            if (o->package != c->package || o->die != c->die || o->core != c->core)
                continue;
            if (!v.siblings[i] && !(v.siblings[i] = vt_bitmap_new())) {
                rc = vt_err_set(err, -ENOMEM, "out of memory");
                goto out;
            }
            vt_bitmap_set(v.siblings[i], (unsigned)k);
        }
    }
    for (size_t i = 0; i < vt_layout_vnode_count(l); i++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, i);

        if (vn->linux_node > top)
            top = vn->linux_node;
        /* The round-robin's nodes: those online at boot. */
        if (vn->linux_node >= 0 && linux_node_online_at_boot(!vt_bitmap_iszero(vn->vcpus),
                                                             vn->memory_bytes, vn->ninitiators))
            vt_bitmap_set(online_nodes, (unsigned)vn->linux_node);
    }
    v.nnode_ids = top < 0 ? 1 : (size_t)top + 1;
    linux_numa_init_array(v.node_of, v.possible, online_nodes);
    rc = predict(&v, NULL, q, out, err);
out:
    view_free(&v);
    vt_bitmap_free(online_nodes);
    return rc;
}

void vt_irq_prediction_free(struct vt_irq_prediction *p)
{
    if (!p)
        return;
    linux_irq_vectors_free(p->lv, (unsigned)p->nvec);
    for (size_t i = 0; p->fires && i < p->nvec; i++)
        vt_bitmap_free(p->fires[i]);
    free(p->fires);
    free(p->lv);
    free(p->vec);
    vt_bitmap_free(p->possible);
    vt_bitmap_free(p->present);
    free(p->node_of);
    free(p);
}

size_t vt_irq_prediction_count(const struct vt_irq_prediction *p)
{
    return p->nvec;
}

const struct vt_irq_vector *vt_irq_prediction_vector(const struct vt_irq_prediction *p, size_t i)
{
    return i < p->nvec ? &p->vec[i] : NULL;
}

const struct vt_bitmap *vt_irq_prediction_possible(const struct vt_irq_prediction *p)
{
    return p->possible;
}

const struct vt_bitmap *vt_irq_prediction_present(const struct vt_irq_prediction *p)
{
    return p->present;
}

int vt_irq_prediction_node(const struct vt_irq_prediction *p, unsigned cpu)
{
    return cpu < p->ncpu_ids ? p->node_of[cpu] : -1;
}

unsigned vt_irq_qemu_nvme_vectors(const struct vt_layout *l, size_t device, unsigned possible_cpus)
{
    const struct vt_device *d =
        device < vt_layout_device_count(l) ? vt_layout_device(l, device) : NULL;

    if (!d || (d->model != VT_DEVICE_NVME && d->model != VT_DEVICE_VFIO))
        return 0;
    return linux_nvme_io_queues(
        possible_cpus, d->model == VT_DEVICE_NVME && d->queues ? d->queues : QEMU_NVME_MAX_IOQPAIRS,
        QEMU_NVME_MSIX_QSIZE);
}
