/* Library version string. */
#include "version_config.h"
#include "vtopo/vtopo.h"

const char *vt_version(void)
{
    return VT_VERSION_STRING;
}
