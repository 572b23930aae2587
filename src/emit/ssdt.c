/* The SSDT of the expanders' _PXM (vt_acpi_ssdt_pxm): in AML, per expander
 * Scope (\_SB.PCxx) { Name (_PXM, pxm) } (ACPI 6.5 §20.2: ScopeOp 0x10
 * PkgLength NameString TermList; NameOp 0x08 NameSeg DataRefObject). */
#include <errno.h>

#include "format/acpi_table.h"
#include "model/vmm/qemu.h"

#define SSDT_REVISION 2

#define AML_ZERO_OP      0x00
#define AML_ONE_OP       0x01
#define AML_NAME_OP      0x08
#define AML_BYTE_PREFIX  0x0a
#define AML_WORD_PREFIX  0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_SCOPE_OP     0x10
#define AML_DUAL_NAME    0x2e
#define AML_ROOT_CHAR    0x5c

/* An AML Integer: the shortest encoding of v. */
static size_t aml_integer(uint8_t *out, uint32_t v)
{
    size_t n = 0;

    if (v <= 1) {
        out[n++] = v ? AML_ONE_OP : AML_ZERO_OP;
        return n;
    }
    out[n++] = v <= 0xff ? AML_BYTE_PREFIX : v <= 0xffff ? AML_WORD_PREFIX : AML_DWORD_PREFIX;
    for (unsigned i = 0, bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : 4; i < bytes; i++)
        out[n++] = (uint8_t)(v >> (8 * i));
    return n;
}

int vt_acpi_ssdt_pxm(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                     size_t *len, struct vt_err *err)
{
    struct buf b;

    if (!vt_layout_expander_count(l))
        return vt_err_set(err, -EINVAL, "SSDT: the plan has no PCI expander (no device)");
    acpi_begin(&b, "SSDT", SSDT_REVISION, o);
    for (size_t k = 0; k < vt_layout_expander_count(l); k++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, k);
        uint8_t body[32];
        char name[5];
        size_t n = 0;

        qemu_pxb_acpi_name(e->bus_nr, name);
        body[n++] = AML_ROOT_CHAR; /* \_SB_.PCxx */
        body[n++] = AML_DUAL_NAME;
        for (const char *p = "_SB_"; *p; p++)
            body[n++] = (uint8_t)*p;
        for (const char *p = name; *p; p++)
            body[n++] = (uint8_t)*p;
        body[n++] = AML_NAME_OP;
        for (const char *p = "_PXM"; *p; p++)
            body[n++] = (uint8_t)*p;
        n += aml_integer(body + n, vt_layout_vnode(l, e->vnode)->guest_pxm);
        /* PkgLength counts itself: one byte holds up to 63. */
        buf_le(&b, AML_SCOPE_OP, 1);
        buf_le(&b, n + 1, 1);
        buf_append(&b, body, n);
    }
    return acpi_end(&b, data, len, err);
}
