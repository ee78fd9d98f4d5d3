/* train-ranks.h - the training contract for a world size above 1 (qtm-module(5) "Data-parallel
 * training"): N ranks of the train command in one sandbox, rank r with RANK, LOCAL_RANK,
 * WORLD_SIZE, QTM_RANK, QTM_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT; ranks above 0
 * write to their own scratch QTM_OUTPUT under QTM_SANDBOX_RANKS, discarded after the run.
 *
 * Vectors returned are the caller's (qtm_train_rank_envs_free). */
#ifndef QTM_TRAIN_RANKS_H
#define QTM_TRAIN_RANKS_H

struct qtm_ctx;
struct qtm_manifest;

/* Where the scratch outputs of ranks 1 and up appear in the sandbox (one directory each). */
#define QTM_SANDBOX_RANKS "/qtm/ranks"

/* The cores this process may run on (its affinity mask): what -j auto and a world size fit. */
int qtm_train_cores(void);
/* 0 when world ranks of m can run here (no more than the cores), else -EINVAL with an error
 * naming the module and the limit. */
int qtm_train_check_world(struct qtm_ctx *ctx, const struct qtm_manifest *m, int world);
/* world environments: base with each rank's variables; NULL-terminated. */
char ***qtm_train_rank_envs(char *const *base, int world);
void qtm_train_rank_envs_free(char ***envs);

#endif
