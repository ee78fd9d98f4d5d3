/* train-helper.h - the shared training helper (qtm_train.py, qtm-module(5) "Training helper")
 * that every trainer finds, read-only, on its PYTHONPATH in the sandbox. */
#ifndef QTM_TRAIN_HELPER_H
#define QTM_TRAIN_HELPER_H

/* Where the helper appears inside the sandbox (PYTHONPATH). */
#define QTM_SANDBOX_HELPER "/qtm/lib/python"

/* The host directory holding qtm_train.py: the installed one, else the source tree's (a build
 * run in place); NULL when neither exists.  A static string. */
const char *qtm_helper_dir(void);

/* The sha256 of qtm_train.py, hashed into every build id: "" when there is none.  A static
 * string, computed once. */
const char *qtm_helper_sha256(void);

#endif
