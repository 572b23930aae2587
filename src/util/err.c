/* struct vt_err: setting and prefixing error sentences. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "vtopo/err.h"

void vt_err_clear(struct vt_err *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

int vt_err_set(struct vt_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        /* Messages carry values from input: a file name or a field may hold
         * terminal controls or bytes that are not UTF-8. */
        vt_text_escape_inplace(err->msg, sizeof(err->msg));
    }
    return code;
}

void vt_err_prefix(struct vt_err *err, const char *fmt, ...)
{
    char old[VT_ERR_MSG_MAX];
    size_t plen, olen;
    va_list ap;
    int n;

    if (!err)
        return;
    memcpy(old, err->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    plen = n < 0 ? 0 : (size_t)n >= sizeof(err->msg) ? sizeof(err->msg) - 1 : (size_t)n;
    olen = strlen(old);
    if (olen > sizeof(err->msg) - 1 - plen)
        olen = sizeof(err->msg) - 1 - plen;
    memcpy(err->msg + plen, old, olen);
    err->msg[plen + olen] = '\0';
    vt_text_escape_inplace(err->msg, sizeof(err->msg));
}
