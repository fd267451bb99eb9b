/* nb_args.h - nanoBragg command-line flags -> NbParams. */
#ifndef NB_ARGS_H
#define NB_ARGS_H

#include <stdio.h>
#include "nb_params.h"

G_BEGIN_DECLS

/* Applies the nanoBragg flags in @argv (no program name) onto @p, in order.
 * Unlike nanoBragg.c, flags match exactly (the documented aliases are
 * accepted) and an unknown flag, a missing value or a malformed number is
 * an error naming the flag.  On error @p may be partly updated. */
gboolean nb_args_apply (NbParams * p, int argc, const char *const *argv,
    GError ** error);

/* Splits @line with g_shell_parse_argv() and applies it. */
gboolean nb_args_apply_string (NbParams * p, const char *line,
    GError ** error);

/* Checks ranges after all inputs are known (names flag and property). */
gboolean nb_params_validate (const NbParams * p, GError ** error);

/* One line per flag, for --help. */
void nb_args_print_help (FILE * out);

G_END_DECLS

#endif /* NB_ARGS_H */
