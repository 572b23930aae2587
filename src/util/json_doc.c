/* JSON documents read whole (json_doc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_doc.h"

int json_doc_parse(const char *text, size_t len, const char *name, const char *what,
                   struct json_object **root, struct vt_err *err)
{
    struct json_tokener *tok = json_tokener_new();
    enum json_tokener_error jerr;
    size_t end, line = 1;
    int rc = 0;

    *root = NULL;
    if (!tok)
        return vt_err_set(err, -ENOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    *root = len > INT32_MAX ? NULL : json_tokener_parse_ex(tok, text, (int)len);
    end = json_tokener_get_parse_end(tok);
    jerr = json_tokener_get_error(tok);
    while (end < len &&
           (text[end] == ' ' || text[end] == '\n' || text[end] == '\t' || text[end] == '\r'))
        end++;
    if (!*root || jerr != json_tokener_success || end < len) {
        for (size_t i = 0; i < end && i < len; i++)
            line += text[i] == '\n';
        if (jerr == json_tokener_success && *root)
            rc = vt_err_set(err, -EINVAL, "%s: line %zu: text after the JSON document", name, line);
        else if (jerr == json_tokener_success) /* the document is the literal null */
            rc = vt_err_set(err, -EINVAL, "%s: the top level is null, not an object", name);
        else if (jerr == json_tokener_continue && end == 0)
            rc = vt_err_set(err, -EINVAL, "%s: empty (%s is a JSON object)", name, what);
        else
            rc = vt_err_set(err, -EINVAL, "%s: line %zu: not valid JSON (%s)", name, line,
                            jerr == json_tokener_continue ? "unexpected end of file"
                                                          : json_tokener_error_desc(jerr));
        json_object_put(*root);
        *root = NULL;
    }
    json_tokener_free(tok);
    return rc;
}

void json_doc_put(struct json_object *o, const char *key, struct json_object *v, bool *oom)
{
    if (!v || json_object_object_add(o, key, v) < 0) {
        json_object_put(v);
        *oom = true;
    }
}

void json_doc_push(struct json_object *a, struct json_object *v, bool *oom)
{
    if (!v || json_object_array_add(a, v) < 0) {
        json_object_put(v);
        *oom = true;
    }
}

const char *json_doc_unknown_key(struct json_object *o, const char *const *allowed)
{
    json_object_object_foreach(o, key, val)
    {
        size_t i = 0;

        (void)val;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return key;
    }
    return NULL;
}

char *json_doc_text(struct json_object *root)
{
    const char *text = root ? json_object_to_json_string_ext(
                                  root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                            JSON_C_TO_STRING_NOSLASHESCAPE)
                            : NULL;
    size_t len = text ? strlen(text) : 0;
    char *out = text ? malloc(len + 2) : NULL;

    if (out) {
        memcpy(out, text, len);
        memcpy(out + len, "\n", 2);
    }
    return out;
}

int json_doc_bad(struct vt_err *err, const char *name, const char *where, const char *fmt, ...)
{
    char msg[VT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vt_err_set(err, -EINVAL, "%s: %s: %s", name, where, msg);
}
