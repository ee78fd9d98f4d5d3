/* hive-handoff.h - qtm install handing a training to the hive: the trainer (trainer.h) a
 * front end sets in ctx->trainer.  When a hive is configured (--hive, QTM_HIVE, qtm.conf) and
 * healthy, the job is submitted (the hive first receives any model input it lacks from the
 * local artifact cache), followed with progress as if it ran here, and its artifact downloaded
 * and verified against the hive's pinned key.  Without a usable hive the training runs here
 * (with a warning), or under --hive-only fails (-EHOSTUNREACH, -EKEYREJECTED). */
#ifndef QTM_HIVE_HANDOFF_H
#define QTM_HIVE_HANDOFF_H

#include "trainer.h"

extern const struct qtm_trainer qtm_hive_trainer;

#endif
