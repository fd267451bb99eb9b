/* test_spectra.c - weighted sources and spectra (-source_weights,
 * -spectrum): a weight 0 source drops out of the weighted sum and stays
 * in nanoBragg's, weights 1:3 give the 1:3 mix of the single-source
 * images, a spectrum is the sources it describes, and bad files are
 * refused with the flag and the line. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_trace.h"

#define SIZE 40

/* wavelengths of the two sources (m), as the files write them */
static const double lambda_a = 1.0e-10, lambda_b = 1.3e-10;

static gchar *work_dir;

static gchar *
write_file (const char *name, const char *text)
{
  gchar *path = g_build_filename (work_dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* A source file of the two sources along the beam (MOSFLM: +x), weights
 * @wa and @wb (@wb < 0: source A alone). */
static gchar *
two_sources (const char *name, double wa, double wb)
{
  gchar *text = wb < 0 ? g_strdup_printf ("-10 0 0 %.17g %.17g\n", wa,
      lambda_a) : g_strdup_printf ("-10 0 0 %.17g %.17g\n"
      "# a comment line and a blank line\n\n-10 0 0 %.17g %.17g\n", wa,
      lambda_a, wb, lambda_b);
  gchar *path = write_file (name, text);
  g_free (text);
  return path;
}

static NbModel *
load (const char *extra, GError ** error)
{
  NbParams p;
  NbModel *m = NULL;
  gchar *hkl = g_build_filename (golden_dir (), "inputs", "dense.hkl", NULL);
  gchar *line = g_strdup_printf ("-hkl %s -cell 40 50 60 90 90 90 -N 6 "
      "-misset 10 20 30 -distance 60 -detpixels %d -pixel 0.4 -oversample 1 "
      "-phi 0 -osc 0.3 -phisteps 2 -mosaic 0.3 -mosaic_domains 2 %s", hkl,
      SIZE, extra);

  nb_params_init (&p);
  g_clear_pointer (&p.dump_file, g_free);
  if (nb_args_apply_string (&p, line, error))
    m = nb_model_new (&p, NULL, error);
  nb_params_clear (&p);
  g_free (line);
  g_free (hkl);
  return m;
}

static NbModel *
load_ok (const char *extra)
{
  GError *error = NULL;
  NbModel *m = load (extra, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static float *
render (const char *extra)
{
  NbModel *m = load_ok (extra);
  float *image = golden_render (m, 0, 0, NULL);
  nb_model_free (m);
  return image;
}

/* render() of the flags @format makes of @path. */
static float *
render_file (const char *format, const char *path)
{
  gchar *flags = g_strdup_printf (format, path);
  float *image = render (flags);
  g_free (flags);
  return image;
}

/* The double-precision value of every pixel (the trace's I_final). */
static double *
render_doubles (const char *extra)
{
  NbModel *m = load_ok (extra);
  GError *error = NULL;
  NbBackend *b = nb_backend_cpu_new (m, 1, NB_PRECISION_FLOAT64, &error);
  double *out = g_new (double, SIZE * SIZE);

  g_assert_no_error (error);
  for (int i = 0; i < SIZE * SIZE; i++) {
    NbTracePixel *t = nb_trace_pixel_new (i / SIZE, i % SIZE);
    g_assert_true (nb_backend_trace (b, 0, &t, 1, &error));
    out[i] = t->I_final;
    nb_trace_pixel_free (t);
  }
  nb_backend_free (b);
  nb_model_free (m);
  return out;
}

static void
assert_same_floats (const float *a, const float *b)
{
  g_assert_cmpmem (a, SIZE * SIZE * sizeof (float), b,
      SIZE * SIZE * sizeof (float));
}

static double
max_of (const float *image)
{
  double max = 0;
  for (int i = 0; i < SIZE * SIZE; i++)
    max = MAX (max, image[i]);
  return max;
}

/* Weights 1 and 0: weighted, the image of source A alone, bit for bit;
 * nanoBragg's sum (off, the CLI's default) ignores the weights and is the
 * plain mean of the two single-source images, exactly what equal weights
 * give. */
static void
test_zero_weight (void)
{
  gchar *ab = two_sources ("ab10.txt", 1, 0), *a = two_sources ("a.txt", 1,
      -1), *b = g_strdup_printf ("%s/b.txt", work_dir);
  gchar *eq = two_sources ("ab11.txt", 1, 1);
  float *img_a, *img_b, *weighted, *off, *deflt, *equal;

  g_assert_true (g_file_set_contents (b, "-10 0 0 1 1.3e-10\n", -1, NULL));
  weighted = render_file ("-sourcefile %s -source_weights on", ab);
  off = render_file ("-sourcefile %s -source_weights off", ab);
  deflt = render_file ("-sourcefile %s", ab);
  equal = render_file ("-sourcefile %s -source_weights on", eq);
  img_a = render_file ("-sourcefile %s", a);
  img_b = render_file ("-sourcefile %s", b);

  g_assert_cmpfloat (max_of (img_a), >, 0);
  g_assert_cmpfloat (max_of (img_b), >, 0);
  assert_same_floats (weighted, img_a);
  assert_same_floats (off, deflt);
  assert_same_floats (off, equal);
  {
    double max = max_of (off), worst = 0;
    gboolean differs = FALSE;
    for (int i = 0; i < SIZE * SIZE; i++) {
      double mean = 0.5 * ((double) img_a[i] + img_b[i]);
      worst = MAX (worst, fabs (off[i] - mean));
      differs = differs || off[i] != weighted[i];
    }
    g_assert_cmpfloat (worst, <=, 1e-6 * max);
    g_assert_true (differs);    /* the two sums are not the same */
  }
  g_free (img_a);
  g_free (img_b);
  g_free (weighted);
  g_free (off);
  g_free (deflt);
  g_free (equal);
  g_free (ab);
  g_free (a);
  g_free (b);
  g_free (eq);
}

/* Weights 1:3: a quarter of A's image plus three quarters of B's, to
 * 1e-12 relative in double precision (the trace's values), and to float
 * rounding in the rendered image. */
static void
test_weights_one_three (void)
{
  gchar *ab = two_sources ("ab13.txt", 1, 3), *a = two_sources ("a1.txt", 1,
      -1), *b = write_file ("b1.txt", "-10 0 0 7 1.3e-10\n");
  gchar *f_ab = g_strdup_printf ("-sourcefile %s -source_weights on", ab);
  gchar *f_a = g_strdup_printf ("-sourcefile %s", a);
  gchar *f_b = g_strdup_printf ("-sourcefile %s", b);
  double *mix = render_doubles (f_ab), *da = render_doubles (f_a);
  double *db = render_doubles (f_b), max = 0, worst = 0;
  float *image = render (f_ab);

  for (int i = 0; i < SIZE * SIZE; i++)
    max = MAX (max, mix[i]);
  g_assert_cmpfloat (max, >, 0);
  for (int i = 0; i < SIZE * SIZE; i++) {
    double want = 0.25 * da[i] + 0.75 * db[i];
    if (want > 1e-3 * max)
      worst = MAX (worst, fabs (mix[i] - want) / want);
    g_assert_cmpfloat (fabs (mix[i] - want), <=, 1e-12 * max);
    g_assert_cmpfloat (fabs (image[i] - mix[i]), <=, 1e-6 * max);
  }
  g_assert_cmpfloat (worst, <=, 1e-12);
  g_free (mix);
  g_free (da);
  g_free (db);
  g_free (image);
  g_free (f_ab);
  g_free (f_a);
  g_free (f_b);
  g_free (ab);
  g_free (a);
  g_free (b);
}

/* A spectrum is its wavelengths as sources along the beam, weighted by
 * default: bit for bit the source file of the same sources; with a
 * divergence every divergence point gets every wavelength. */
static void
test_spectrum (void)
{
  gchar *spectrum = write_file ("spectrum.txt", "# SASE-like: A weight\n"
      "1.0 1\n1.3, 3\n");
  /* the wavelengths exactly as the spectrum's (Angstrom / 1e10) */
  gchar *text = g_strdup_printf ("-10 0 0 1 %.17g\n-10 0 0 3 %.17g\n",
      1.0 / 1e10, 1.3 / 1e10);
  gchar *sources = write_file ("ab13s.txt", text);
  gchar *f_spec = g_strdup_printf ("-spectrum %s", spectrum);
  gchar *f_src = g_strdup_printf ("-sourcefile %s -source_weights on",
      sources);
  gchar *f_off = g_strdup_printf ("-spectrum %s -source_weights off",
      spectrum);
  gchar *f_src_off = g_strdup_printf ("-sourcefile %s", sources);
  gchar *f_div = g_strdup_printf ("-spectrum %s -divergence 0.4 "
      "-divsteps 3 -square_div", spectrum);
  float *spec = render (f_spec), *src = render (f_src);
  float *spec_off = render (f_off), *src_off = render (f_src_off);
  NbModel *m = load_ok (f_div);
  double share_sum = 0;

  assert_same_floats (spec, src);
  assert_same_floats (spec_off, src_off);
  g_assert_true (memcmp (spec, spec_off, SIZE * SIZE * sizeof (float)) != 0);
  /* 3 x 3 divergence points x 2 wavelengths, wavelength innermost */
  g_assert_cmpint (m->n_sources, ==, 18);
  g_assert_true (m->weighted);
  for (int i = 0; i < m->n_sources; i++) {
    const NbSource *s = &m->sources[i];
    g_assert_cmpfloat (s->lambda, ==, i % 2 ? 1.3 / 1e10 : 1.0 / 1e10);
    g_assert_cmpfloat_with_epsilon (s->share, i % 2 ? 1.5 : 0.5, 1e-15);
    g_assert_cmpfloat (s->dir[0], ==, m->sources[i - i % 2].dir[0]);
    share_sum += s->share;
  }
  g_assert_cmpfloat_with_epsilon (share_sum, 18, 1e-12);
  nb_model_free (m);
  g_free (text);
  g_free (spec);
  g_free (src);
  g_free (spec_off);
  g_free (src_off);
  g_free (f_spec);
  g_free (f_src);
  g_free (f_off);
  g_free (f_src_off);
  g_free (f_div);
  g_free (spectrum);
  g_free (sources);
}

/* Equal weights, whatever their value, are today's sum: the default beam
 * (divergence grid, dispersion) is bit for bit the same weighted or not. */
static void
test_uniform_is_unchanged (void)
{
  gchar *third = write_file ("third.txt", "-10 0 0 0.3 1e-10\n"
      "-10 0.01 0 0.3 1.1e-10\n-10 0 0.01 0.3 1.2e-10\n");
  gchar *f_on = g_strdup_printf ("-sourcefile %s -source_weights on", third);
  gchar *f_off = g_strdup_printf ("-sourcefile %s", third);
  float *on = render (f_on), *off = render (f_off);
  float *grid_on = render ("-divergence 0.3 -divsteps 3 -dispersion 1 "
      "-dispsteps 3 -source_weights on");
  float *grid_off = render ("-divergence 0.3 -divsteps 3 -dispersion 1 "
      "-dispsteps 3");

  assert_same_floats (on, off);
  assert_same_floats (grid_on, grid_off);
  g_free (on);
  g_free (off);
  g_free (grid_on);
  g_free (grid_off);
  g_free (f_on);
  g_free (f_off);
  g_free (third);
}

/* Loading with @flags fails with an error that contains every string of
 * the NULL-terminated list. */
static void
assert_refused (const char *flags, ...)
{
  GError *error = NULL;
  NbModel *m = load (flags, &error);
  va_list ap;

  g_assert_null (m);
  g_assert_nonnull (error);
  va_start (ap, flags);
  for (const char *want = va_arg (ap, const char *); want != NULL;
      want = va_arg (ap, const char *))
    if (strstr (error->message, want) == NULL)
      g_error ("'%s': the error '%s' lacks '%s'", flags, error->message,
          want);
  va_end (ap);
  g_error_free (error);
}

static void
test_bad_input (void)
{
  gchar *neg = write_file ("neg.txt", "-10 0 0 1 1e-10\n-10 0 0 -2 1e-10\n");
  gchar *nan = write_file ("nan.txt", "\n-10 0 0 nan 1e-10\n");
  gchar *zero = write_file ("zero.txt", "-10 0 0 0 1e-10\n-10 0 0 0 2e-10\n");
  gchar *s_bad = write_file ("s_bad.txt", "1.0 1\n1.1 x\n");
  gchar *s_three = write_file ("s_three.txt", "1.0 1 2\n");
  gchar *s_one = write_file ("s_one.txt", "# only a wavelength\n1.0\n");
  gchar *s_neg = write_file ("s_neg.txt", "1.0 1\n\n1.1 -1\n");
  gchar *s_lambda = write_file ("s_lambda.txt", "0 1\n");
  gchar *s_zero = write_file ("s_zero.txt", "1.0 0\n1.1 0\n");
  gchar *s_empty = write_file ("s_empty.txt", "# nothing\n\n");
  gchar *f;

#define REFUSED(fmt, arg, ...) do { f = g_strdup_printf (fmt, arg); \
    assert_refused (f, __VA_ARGS__, NULL); g_free (f); } while (0)
  REFUSED ("-sourcefile %s -source_weights on", neg, "-sourcefile",
      "neg.txt:2:", "weight", "-2");
  REFUSED ("-sourcefile %s -source_weights on", nan, "-sourcefile",
      "nan.txt:2:");
  REFUSED ("-sourcefile %s", nan, "-sourcefile", "nan.txt:2:");
  REFUSED ("-sourcefile %s -source_weights on", zero, "-sourcefile",
      "every weight is 0");
  REFUSED ("-spectrum %s", s_bad, "-spectrum", "s_bad.txt:2:", "1.1 x");
  REFUSED ("-spectrum %s", s_three, "-spectrum", "s_three.txt:1:");
  REFUSED ("-spectrum %s", s_one, "-spectrum", "s_one.txt:2:");
  REFUSED ("-spectrum %s", s_neg, "-spectrum", "s_neg.txt:3:", "weight");
  REFUSED ("-spectrum %s", s_lambda, "-spectrum", "s_lambda.txt:1:",
      "wavelength");
  REFUSED ("-spectrum %s", s_zero, "-spectrum", "every weight is 0");
  REFUSED ("-spectrum %s", s_empty, "-spectrum", "no wavelengths");
  REFUSED ("-spectrum %s/missing.txt", work_dir, "-spectrum", "missing.txt");
  REFUSED ("-spectrum %s -dispersion 1", s_zero, "-spectrum",
      "-dispersion");
  REFUSED ("-spectrum %s -sourcefile x", s_zero, "-spectrum", "-sourcefile");
  REFUSED ("-source_weights %s", "maybe", "-source_weights", "maybe");
#undef REFUSED
  /* nanoBragg's sum ignores the weights, negative ones included */
  f = g_strdup_printf ("-sourcefile %s -source_weights off", neg);
  nb_model_free (load_ok (f));
  g_free (f);
  g_free (neg);
  g_free (nan);
  g_free (zero);
  g_free (s_bad);
  g_free (s_three);
  g_free (s_one);
  g_free (s_neg);
  g_free (s_lambda);
  g_free (s_zero);
  g_free (s_empty);
}

static void
remove_work_dir (void)
{
  GDir *dir = g_dir_open (work_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    gchar *path = g_build_filename (work_dir, name, NULL);
    g_remove (path);
    g_free (path);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (work_dir);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  work_dir = g_dir_make_tmp ("nb-spectra-XXXXXX", NULL);
  g_assert_nonnull (work_dir);
  g_test_add_func ("/spectra/zero-weight", test_zero_weight);
  g_test_add_func ("/spectra/weights-1-3", test_weights_one_three);
  g_test_add_func ("/spectra/spectrum", test_spectrum);
  g_test_add_func ("/spectra/uniform-unchanged", test_uniform_is_unchanged);
  g_test_add_func ("/spectra/bad-input", test_bad_input);
  rc = g_test_run ();
  remove_work_dir ();
  g_free (work_dir);
  return rc;
}
