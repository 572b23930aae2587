/* The CLI's names of the request fields (fields.c). */
#ifndef VTOPO_CLI_FIELDS_H
#define VTOPO_CLI_FIELDS_H

#include "vtopo/layout.h"

/* The flag of each field: cli_field_flags[VT_FIELD_VCPUS] is "--vcpus". */
extern const char *const cli_field_flags[VT_FIELD_COUNT];
/* A request whose messages name the fields by the CLI's flags. */
struct vt_request *cli_request_new(void);

#endif
