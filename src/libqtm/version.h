/* version.h - qtm's total order of versions (Debian's: [EPOCH:]UPSTREAM[-REVISION], ~ before
 * everything, 1.0~rc1 < 1.0 < 1.0.1 < 1:0.1), the one the solver uses. */
#ifndef QTM_VERSION_H
#define QTM_VERSION_H

/* Negative, zero or positive as a sorts before, with or after b. */
int qtm_version_cmp(const char *a, const char *b);

#endif
