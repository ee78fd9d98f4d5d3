/* json.h - cJSON helpers: typed field access with errors that name the file and the field,
 * and reading/writing JSON files (plain or gzip-compressed).
 *
 * Returned cJSON trees are owned by the caller (cJSON_Delete); returned strings are owned by the
 * caller (free); const char * results point into the tree they came from. */
#ifndef QTM_JSON_H
#define QTM_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct qtm_ctx;

/* Field getters: required fields that are missing or mistyped set an error naming origin and
 * field and return a negative code; optional ones leave *out untouched when absent. */
int qtm_json_str(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, const char **out);
int qtm_json_int(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, long long min, long long max, long long *out);
/* A string array as a NULL-terminated owned vector (an absent optional field gives an empty one). */
int qtm_json_strv(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, char ***out);

/* Parses text; an error names origin and the position of the syntax error.  Text that is not
 * UTF-8, or holds the escape \u0000 (which would cut a string short), is refused. */
int qtm_json_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin, cJSON **out);

/* The same without the UTF-8 and NUL rules, for a hive's answers: what a hive stored before it
 * checked its input still reads, and is escaped when printed (text.h). */
int qtm_json_parse_answer(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin, cJSON **out);
/* Reads and parses a file, gunzipping it when its name ends in ".gz". */
int qtm_json_load(struct qtm_ctx *ctx, const char *path, cJSON **out);
/* The first key or string value of j, at any depth, holding a control character other than tab
 * and newline (text.h): its field's name ("" for a string at the top or in a top-level list),
 * pointing into j; NULL when every string is clean. */
const char *qtm_json_unclean_field(const cJSON *j);
/* The same, naming the document `origin` in errors (e.g. its URL rather than a temporary file). */
int qtm_json_load_as(struct qtm_ctx *ctx, const char *path, const char *origin, cJSON **out);
/* Serialises (compact) and writes atomically, gzip-compressed when the name ends in ".gz". */
int qtm_json_save(struct qtm_ctx *ctx, const char *path, const cJSON *json, bool pretty);
/* gzip helpers (libarchive's raw format): the output buffer is owned by the caller. */
/* Compresses len bytes of text, deterministically (no name, mtime 0): equal text, equal bytes. */
int qtm_gzip_buffer(struct qtm_ctx *ctx, const char *text, size_t len, char **out, size_t *out_len);
/* qtm_gunzip refuses (-EFBIG) a file that inflates to more than 100 times its size (at least 1 MiB). */
int qtm_gunzip(struct qtm_ctx *ctx, const char *path, char **data, size_t *len);

#endif
