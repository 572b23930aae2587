/* vt_strlist: a growable list of malloc'd strings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/strlist.h"

void vt_strlist_free(struct vt_strlist *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

int strlist_addf(struct vt_strlist *s, const char *fmt, ...)
{
    va_list ap;
    char *str, **items;
    int n;

    if (!s)
        return 0;
    va_start(ap, fmt);
    n = vasprintf(&str, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    items = realloc(s->items, (s->count + 1) * sizeof(*items));
    if (!items) {
        free(str);
        return -ENOMEM;
    }
    items[s->count++] = str;
    s->items = items;
    return 0;
}

int vt_strlist_add(struct vt_strlist *s, const char *str)
{
    char *copy = NULL, **items;

    if (str && !(copy = strdup(str)))
        return -ENOMEM;
    items = realloc(s->items, (s->count + 1) * sizeof(*items));
    if (!items) {
        free(copy);
        return -ENOMEM;
    }
    items[s->count++] = copy;
    s->items = items;
    return 0;
}
