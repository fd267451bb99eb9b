/* cbf_truth - the simulated truth a CBF must carry: the engine model's
 * detector, beam and rotation axis for nanoBragg flags (in nanoBragg's
 * lab frame, the engine's SI units), the header beam centre (Xbeam,
 * Ybeam, m) and the crystal (cell, reciprocal axes at phi = 0 in 1/A), as
 * JSON on stdout, all digits.  tests/check_cbf.py compares DIALS' imported
 * models and the files' headers with it, tests/check_dials_sweep.py also
 * DIALS' indexed crystal.  Usage: cbf_truth FLAG... (no -cbffile). */
#include "nb_args.h"
#include "nb_model.h"

#include <stdio.h>

static void
print_vector (const char *name, const double v[3])
{
  printf ("  \"%s\": [%.17g, %.17g, %.17g],\n", name, v[0], v[1], v[2]);
}

int
main (int argc, char **argv)
{
  NbParams p;
  NbModel *m;
  GError *error = NULL;
  GString *log = g_string_new (NULL);
  const NbDetector *d;

  nb_params_init (&p);
  if (!nb_args_apply (&p, argc - 1, (const char *const *) argv + 1, &error)
      || (m = nb_model_new (&p, log, &error)) == NULL) {
    fprintf (stderr, "cbf_truth: %s\n", error->message);
    return 2;
  }
  d = &m->det;
  printf ("{\n");
  print_vector ("pix0", d->pix0);
  print_vector ("fdet", d->fdet);
  print_vector ("sdet", d->sdet);
  print_vector ("beam", d->beam);
  print_vector ("spindle", d->spindle);
  print_vector ("a_star", m->xtal.a_star);
  print_vector ("b_star", m->xtal.b_star);
  print_vector ("c_star", m->xtal.c_star);
  printf ("  \"cell\": [%.17g, %.17g, %.17g, %.17g, %.17g, %.17g],\n",
      m->xtal.cell[0], m->xtal.cell[1], m->xtal.cell[2], m->xtal.cell[3],
      m->xtal.cell[4], m->xtal.cell[5]);
  printf ("  \"xbeam\": %.17g,\n  \"ybeam\": %.17g,\n", d->Xbeam, d->Ybeam);
  printf ("  \"pixel_size\": %.17g,\n  \"wavelength\": %.17g,\n"
      "  \"phi\": %.17g,\n  \"osc\": %.17g,\n  \"exposure\": %.17g,\n"
      "  \"fpixels\": %d,\n  \"spixels\": %d,\n  \"fbeam\": %.17g,\n"
      "  \"sbeam\": %.17g,\n  \"close_distance\": %.17g\n}\n",
      d->pixel_size, m->lambda0, p.phi, m->osc * 180.0 / G_PI, p.exposure,
      d->fpixels, d->spixels, d->Fbeam, d->Sbeam, d->close_distance);
  nb_model_free (m);
  nb_params_clear (&p);
  g_string_free (log, TRUE);
  return 0;
}
