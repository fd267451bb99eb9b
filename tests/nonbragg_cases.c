/* nonbragg_cases.c - see nonbragg_cases.h. */
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nonbragg_cases.h"

const char *const cases[NONBRAGG_N_CASES] = { "water_100um", "air_25mm",
  "water_disp_os"
};

const char *
data_dir (void)
{
  const char *d = g_getenv ("NB_NONBRAGG_DIR");
  g_assert_nonnull (d);
  return d;
}

gchar *
data_path (const char *name)
{
  return g_build_filename (data_dir (), name, NULL);
}

/* The largest relative error over pixels above 1e-3 of the reference's
 * maximum (the golden tolerance's bright pixels). */
double
max_rel_error (const float *ours, const float *ref, gsize n, gsize *bright)
{
  double max = 0.0, worst = 0.0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, fabs (ref[i]));
  *bright = 0;
  for (gsize i = 0; i < n; i++) {
    if (!(fabs (ref[i]) > 1e-3 * max))
      continue;
    (*bright)++;
    worst = MAX (worst, fabs ((double) ours[i] - ref[i]) / fabs (ref[i]));
  }
  /* a NaN anywhere fails */
  for (gsize i = 0; i < n; i++)
    if (!isfinite (ours[i]))
      return INFINITY;
  return worst;
}

gsize
case_pixels (const char *c)
{
  return strcmp (c, "water_100um") == 0 ? 256 * 256 : 128 * 128;
}

double
max_rel_error_d (const double *ours, const double *ref, gsize n,
    gsize * bright)
{
  double max = 0.0, worst = 0.0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, fabs (ref[i]));
  *bright = 0;
  for (gsize i = 0; i < n; i++) {
    if (!isfinite (ours[i]))
      return INFINITY;
    if (!(fabs (ref[i]) > 1e-3 * max))
      continue;
    (*bright)++;
    worst = MAX (worst, fabs (ours[i] - ref[i]) / fabs (ref[i]));
  }
  return worst;
}

/* A golden case's geometry in nanobragg flags: CUSTOM axes as nonBragg's,
 * whose beam centre is on the fast/slow axes. */
const char *const engine_flags[NONBRAGG_N_CASES] = {
  "-detpixels 256 -pixel 0.1 -distance 100 -lambda 1.0 -fluence 1e24 "
      "-Xbeam 12.75 -Ybeam 12.85",
  "-detpixels 128 -pixel 0.25 -distance 200 -lambda 1.2 -flux 1e12 "
      "-exposure 1 -beamsize 0.1 -Xbeam 15.875 -Ybeam 16.125",
  "-detpixels 128 -pixel 0.15 -distance 80 -lambda 0.9 -dispersion 1 "
      "-dispsteps 3 -fluence 1e24 -oversample 2 -Xbeam 8 -Ybeam 11",
};

NbModel *
engine_model (const char *flags)
{
  NbParams p;
  GError *error = NULL;
  gchar *line = g_strdup_printf ("-cell 100 100 100 90 90 90 -default_F 1 "
      "-fdet_vector 0 0 1 -sdet_vector 0 -1 0 -odet_vector 1 0 0 "
      "-beam_vector 1 0 0 -polar_vector 0 0 1 -twotheta_axis 0 1 0 "
      "-spindle_axis 0 0 1 -oversample 1 %s", flags);
  NbModel *m;

  nb_params_init (&p);
  g_clear_pointer (&p.dump_file, g_free);
  g_assert_true (nb_args_apply_string (&p, line, &error));
  g_assert_no_error (error);
  m = nb_model_new (&p, NULL, &error);
  g_assert_no_error (error);
  nb_params_clear (&p);
  g_free (line);
  return m;
}

NbBackground *
background_of (const char *stol, double thickness, double density,
    double mw)
{
  NbBackground *bg = nb_background_new ();
  NbAmorphousSpec s;
  GError *error = NULL;

  nb_amorphous_spec_init (&s);
  s.stol_file = data_path (stol);
  s.thickness = thickness;
  s.density = density;
  s.molecular_weight = mw;
  g_assert_true (nb_background_add (bg, &s, "test", &error));
  g_assert_no_error (error);
  g_free (s.stol_file);
  return bg;
}

const NonbraggSample samples[NONBRAGG_N_CASES] = {
  {"water.stol", 0.1, 1.0, 18.0},
  {"air.stol", 25, 1.2e-3, 28.8},
  {"water.stol", 0.05, 1.0, 18.0},
};
