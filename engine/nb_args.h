/* nb_args.h - nanoBragg command-line flags -> NbParams. */
#ifndef NB_ARGS_H
#define NB_ARGS_H

#include <stdio.h>
#include "nb_params.h"
#include "nb_readout.h"

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

/* The counter-based readout of the CLI's -noisefile (-noise_rng counter):
 * 1 count per photon (nanoBragg's noise image ignores -scale), Poisson
 * noise, -adc, -readout_noise, -psf_fwhm, -calibration_error and _seed,
 * -count_cutoff (default 65535), -masked_value (default: 0 in the 16-bit
 * file), keyed by -seed.  FALSE with an error naming the flag when a value
 * is out of range (nb_readout_check with the CLI's flag names). */
gboolean nb_args_noise_readout (const NbParams * p, NbReadout * readout,
    GError ** error);

/* One line per flag, for --help. */
void nb_args_print_help (FILE * out);

G_END_DECLS

#endif /* NB_ARGS_H */
