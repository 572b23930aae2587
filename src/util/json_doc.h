/* A JSON document read whole (internal): json-c's parse with the
 * diagnostics every vtopo file shares (the line, an end of file cut short,
 * text after the document, an empty file). */
#ifndef VT_UTIL_JSON_DOC_H
#define VT_UTIL_JSON_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "vtopo/err.h"

/* Parse text[0..len) (UTF-8 checked) into *root; name is the file in
 * messages, what the kind of document ("a host file"). -EINVAL with one
 * sentence naming the line when it is not one JSON object's text. */
int json_doc_parse(const char *text, size_t len, const char *name, const char *what,
                   struct json_object **root, struct vt_err *err);

/* Building a document: add v to object o under key, or to array a; a NULL
 * v (out of memory) or a failed add sets *oom (v is released) so that the
 * builder fails once, at the end. */
void json_doc_put(struct json_object *o, const char *key, struct json_object *v, bool *oom);
void json_doc_push(struct json_object *a, struct json_object *v, bool *oom);

/* root as pretty JSON text (spaced, slashes unescaped, as every vtopo
 * document is written) with a newline: malloc'd, NULL when root is NULL
 * or out of memory. */
char *json_doc_text(struct json_object *root);

/* "NAME: WHERE: message" into err, -EINVAL: a document's field breaking a
 * rule. */
int json_doc_bad(struct vt_err *err, const char *name, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The first key of object o that allowed (NULL-terminated) does not list,
 * or NULL. */
const char *json_doc_unknown_key(struct json_object *o, const char *const *allowed);

#endif
