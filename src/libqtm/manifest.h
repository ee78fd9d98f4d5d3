/* manifest.h - module.json (format 1): model and dataset manifests, as in qtm-module(5).
 *
 * A struct qtm_manifest owns everything it points to, including `json` (the whole object, kept
 * so that it can be written into an index unchanged); the const char * fields point into `json`.
 * Free it with qtm_manifest_free(). */
#ifndef QTM_MANIFEST_H
#define QTM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_ctx;

enum qtm_dep_op { QTM_DEP_ANY = 0, QTM_DEP_LT, QTM_DEP_LE, QTM_DEP_EQ, QTM_DEP_GE, QTM_DEP_GT };

/* A parsed requirement "name [op version]": both strings owned by the struct. */
struct qtm_dep {
	char *name;
	enum qtm_dep_op op;
	char *version;   /* NULL when op is QTM_DEP_ANY */
};

struct qtm_dataset_file {
	const char *name;    /* file name inside the dataset directory */
	const char *url;     /* absolute, or relative to the repository base; NULL in a source folder */
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
};

struct qtm_resources {
	int cpus;
	long memory_mb;
	const char *gpu;     /* "none", "prefer" or "require" */
	int min_vram_gib;
	int time_limit_s;
	int world_size;      /* processes of one data-parallel training (1: not data-parallel) */
	int max_world_size;  /* the largest --param world_size allowed (default world_size) */
};

struct qtm_blob {            /* a file in the repository: module source or artifact */
	const char *path;    /* relative to the repository base */
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
};

struct qtm_manifest {
	cJSON *json;
	const char *name, *version, *kind, *summary, *description, *license, *priority;
	bool is_dataset;
	int estimated_minutes;
	char **requires, **provides, **conflicts;   /* NULL-terminated, owned */
	char **replaces;                            /* NULL-terminated, owned */
	struct qtm_resources resources;
	char **train_command, **predict_command, **outputs;   /* NULL-terminated, owned */
	const cJSON *params;                        /* train.params (points into json) */
	struct qtm_dataset_file *files;
	size_t n_files;
	bool has_source;                            /* index entries of models carry their source */
	struct qtm_blob source;
};

/* Validates obj (not taken: it is duplicated) and fills a new manifest.  origin names the file
 * in error messages ("modules/x/module.json", "index.json.gz of source bundled").  With
 * from_index, dataset files must carry url/sha256/size and models their source blob. */
int qtm_manifest_from_json(struct qtm_ctx *ctx, const cJSON *obj, const char *origin,
    bool from_index, struct qtm_manifest **out);
int qtm_manifest_load(struct qtm_ctx *ctx, const char *path, struct qtm_manifest **out);
void qtm_manifest_free(struct qtm_manifest *m);

/* Whether path is one of m's declared outputs. */
bool qtm_manifest_declares_output(const struct qtm_manifest *m, const char *path);

/* Parses "name", "name >= 1.0", "runtime(python3-numpy) >= 1.20", "name=1.0" (the command
 * line's form).  Returns 0 or -EINVAL with ctx's error set. */
int qtm_dep_parse(struct qtm_ctx *ctx, const char *text, struct qtm_dep *dep);
void qtm_dep_clear(struct qtm_dep *dep);
const char *qtm_dep_op_str(enum qtm_dep_op op);

bool qtm_name_valid(const char *name);
bool qtm_version_valid(const char *version);

#endif
