/* A program built against the installed libvtopo: loads a synthetic host. */
#include <stdio.h>
#include <vtopo/vtopo.h>

int main(void)
{
    struct vt_host_source src = {VT_HOST_SYNTHETIC, "sockets=2,cores=4,mem=8G", NULL};
    struct vt_host *h;
    struct vt_err err;

    if (vt_host_load(&src, &h, &err) != 0) {
        fprintf(stderr, "consumer: %s\n", err.msg);
        return 1;
    }
    printf("libvtopo %s: %zu nodes, distance 0->1 = %u\n", vt_version(), vt_host_node_count(h),
           vt_host_distance(h, 0, 1));
    vt_host_free(h);
    return 0;
}
