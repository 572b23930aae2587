/* Making text from input safe to print: the public API is vtopo/text.h. */
#ifndef VT_UTIL_TEXT_H
#define VT_UTIL_TEXT_H

#include "vtopo/text.h"

#endif
