/* cli-error.h - inside src/cli: the parser's usage errors (errors.c) and table look-ups
 * (parse.c).  Each error prints one line on stderr naming the problem, the closest valid
 * choice and the valid ones, and returns CLI_BAD. */
#ifndef QTM_CLI_ERROR_H
#define QTM_CLI_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

const struct cli_option *cli_builtin_options(void);
const struct cli_verb *cli_find_verb(const struct cli_prog *prog, const char *name);

/* word: the option as given; len: its name's length with the dashes (before any "=VALUE"). */
enum cli_result cli_error_unknown(const struct cli_prog *prog, const struct cli_verb *verb,
    const char *word, size_t len, bool ambiguous);
enum cli_result cli_error_needs_arg(const struct cli_prog *prog, const struct cli_verb *verb,
    const struct cli_option *o);
enum cli_result cli_error_no_arg(const struct cli_prog *prog, const struct cli_verb *verb,
    const struct cli_option *o);
enum cli_result cli_error_verb(const struct cli_prog *prog, const char *word);

#endif
