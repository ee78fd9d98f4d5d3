/* number.h - strict numbers from text: command-line options, config values, environment
 * variables.  The whole text must be the number: an optional sign, decimal digits (and for
 * doubles a fraction and an exponent), no blanks, no trailing characters, no hex, inf or nan;
 * the value must lie in [min, max] (and be finite).
 *
 * The qtm_parse_* functions only return a code: 0, -EINVAL (not such a number) or -ERANGE
 * (a number, out of range); *out is written only on success.  The qtm_number_* functions do
 * the same and set ctx's error, naming what (an option "--wait", a setting "qtm.conf:3: jobs")
 * and the text. */
#ifndef QTM_NUMBER_H
#define QTM_NUMBER_H

struct qtm_ctx;

/* 2^53: the largest whole number a JSON number (a double) holds exactly. */
#define QTM_JSON_MAX_EXACT 9007199254740992LL

int qtm_parse_ll(const char *text, long long min, long long max, long long *out);
int qtm_parse_int(const char *text, int min, int max, int *out);
int qtm_parse_double(const char *text, double min, double max, double *out);

/* A number of parallel jobs: "auto" (*out = QTM_JOBS_AUTO, 0) or a whole number from 1 to
 * QTM_JOBS_MAX.  Shared by `-j N` / `--jobs N` and qtm.conf's `jobs`. */
#define QTM_JOBS_AUTO 0
#define QTM_JOBS_MAX 1024
int qtm_parse_jobs(const char *text, int *out);

int qtm_number_ll(struct qtm_ctx *ctx, const char *what, const char *text, long long min,
    long long max, long long *out);
int qtm_number_int(struct qtm_ctx *ctx, const char *what, const char *text, int min, int max,
    int *out);
int qtm_number_double(struct qtm_ctx *ctx, const char *what, const char *text, double min,
    double max, double *out);

#endif
