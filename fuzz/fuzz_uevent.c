/* Fuzz target: parse_key_value, which reads "KEY=value" lines of a PCI
 * device's uevent (PCI_ID, PCI_CLASS) in the sysfs host source. The input is
 * the text. Invariants: a key is found exactly when some line starts with
 * "KEY=", and then the value is the start of the first such line's rest,
 * cut at the buffer; the text has any shape (no final newline, no PCI_ID,
 * empty lines), the case that once did arithmetic on a NULL pointer. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "util/parse.h"

/* The reference: the first line of text that starts with "KEY=", or NULL. */
static const char *first_line(const char *text, const char *key)
{
    size_t klen = strlen(key);

    for (const char *p = text;;) {
        if (!strncmp(p, key, klen) && p[klen] == '=')
            return p + klen + 1;
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"PCI_ID", "PCI_CLASS", "DRIVER", "P"};
    char *text = fuzz_strndup(data, size);

    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        const char *want = first_line(text, keys[k]);
        char val[8];
        bool found = parse_key_value(text, keys[k], val, sizeof(val));

        FUZZ_CHECK(found == (want != NULL), "key %s: found %d", keys[k], found);
        if (found) {
            size_t len = strcspn(want, "\n");

            len = len < sizeof(val) ? len : sizeof(val) - 1;
            FUZZ_CHECK(strlen(val) == len && !memcmp(val, want, len), "key %s: value '%s'", keys[k],
                       val);
        }
    }
    free(text);
    return 0;
}
