/* test_nonbragg.c - the amorphous background (engine/nb_nonbragg.c) and
 * the nonbragg CLI against nonBragg.c's golden outputs
 * (tests/golden-nonbragg/, README there), the .stol reader's errors, the
 * interpolation, thread independence and the sum of components. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_error.h"
#include "nb_nonbragg.h"
#include "nonbragg_cases.h"

static gchar *
write_temp (const char *text)
{
  gchar *path = NULL;
  GError *error = NULL;
  int fd = g_file_open_tmp ("nb-stol-XXXXXX.stol", &path, &error);

  g_assert_no_error (error);
  g_assert_true (write (fd, text, strlen (text)) == (gssize) strlen (text));
  close (fd);
  return path;
}

static void
check_against_golden (const char *c, const float *ours)
{
  gchar *ref_path = g_build_filename (data_dir (), c, "float.bin", NULL);
  gsize n = case_pixels (c), bright;
  float *ref = golden_read_floats (ref_path, n);
  double err = max_rel_error (ours, ref, n, &bright);

  g_test_message ("%s: max relative error %.3g over %" G_GSIZE_FORMAT
      " bright pixels", c, err, bright);
  g_assert_cmpuint (bright, >, n / 2);
  g_assert_cmpfloat (err, <=, 1e-6);
  g_free (ref);
  g_free (ref_path);
}

/* ---- the CLI ---- */

static void
test_cli_golden (gconstpointer data)
{
  const char *c = data;
  gchar *tmp = g_dir_make_tmp ("nb-nonbragg-XXXXXX", NULL);
  gchar *args_path = g_build_filename (data_dir (), c, "args", NULL);
  gchar *args = NULL, *line, *out, *floatfile;
  gsize n = case_pixels (c);
  float *ours;

  g_assert_true (g_file_get_contents (args_path, &args, NULL, NULL));
  floatfile = g_build_filename (tmp, "float.bin", NULL);
  line = g_strdup_printf ("%s -floatfile '%s' -intfile '%s/int.img' "
      "-noisefile '%s/noise.img' -pgmfile '%s/image.pgm' -seed 1",
      g_strstrip (args), floatfile, tmp, tmp, tmp);
  out = golden_run_cli (data_dir (), line);
  ours = golden_read_floats (floatfile, n);
  check_against_golden (c, ours);
  g_assert_nonnull (strstr (out, "writing"));
  g_free (ours);
  g_free (out);
  g_free (line);
  g_free (args);
  g_free (args_path);
  g_unlink (floatfile);
  g_free (floatfile);
  {
    const char *names[] = { "int.img", "noise.img", "image.pgm" };
    for (int i = 0; i < 3; i++) {
      gchar *p = g_build_filename (tmp, names[i], NULL);
      g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
      g_unlink (p);
      g_free (p);
    }
  }
  g_rmdir (tmp);
  g_free (tmp);
}

/* nonBragg writes NaN when the round divergence cut leaves no source;
 * nonbragg renders the central ray (finite, equal to no divergence). */
static void
test_cli_divergence_finite (void)
{
  gchar *tmp = g_dir_make_tmp ("nb-nonbragg-XXXXXX", NULL);
  const char *base = "-stol air.stol -detpixels 16 -pixel 1 -distance 100 "
      "-nonoise -nopgm";
  gchar *a = g_build_filename (tmp, "div.bin", NULL);
  gchar *b = g_build_filename (tmp, "plain.bin", NULL);
  gchar *line, *out;
  float *div, *plain;

  line = g_strdup_printf ("%s -hdivrange 1 -vdivrange 1 -hdivstep 2 "
      "-vdivstep 2 -floatfile '%s' -intfile '%s/i.img'", base, a, tmp);
  out = golden_run_cli (data_dir (), line);
  g_assert_nonnull (strstr (out, "WARNING"));
  g_free (out);
  g_free (line);
  line = g_strdup_printf ("%s -floatfile '%s' -intfile '%s/i.img'", base, b,
      tmp);
  g_free (golden_run_cli (data_dir (), line));
  g_free (line);
  div = golden_read_floats (a, 256);
  plain = golden_read_floats (b, 256);
  for (int i = 0; i < 256; i++) {
    g_assert_true (isfinite (div[i]) && div[i] > 0);
    g_assert_cmpfloat (div[i], ==, plain[i]);
  }
  g_free (div);
  g_free (plain);
  g_unlink (a);
  g_unlink (b);
  line = g_build_filename (tmp, "i.img", NULL);
  g_unlink (line);
  g_free (line);
  g_rmdir (tmp);
  g_free (tmp);
  g_free (a);
  g_free (b);
}

/* Runs the CLI expecting exit status 2 and @expect in its stderr. */
static void
cli_refuses (const char *args, const char *expect)
{
  gchar *line = g_strdup_printf ("'%s' %s", g_getenv ("NB_CLI"), args);
  gchar **argv = NULL, *out = NULL, *err = NULL;
  gint status = 0;

  g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  g_assert_true (g_spawn_sync (data_dir (), argv, NULL, G_SPAWN_DEFAULT,
          NULL, NULL, &out, &err, &status, NULL));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  if (strstr (err, expect) == NULL)
    g_error ("nonbragg %s: stderr '%s' lacks '%s'", args, err, expect);
  g_strfreev (argv);
  g_free (line);
  g_free (out);
  g_free (err);
}

static void
test_cli_bad_input (void)
{
  gchar *bad = write_temp ("0 2.5\n0.1 2.4\n0.2 x\n");
  gchar *args = g_strdup_printf ("-stol '%s' -nonoise", bad);

  cli_refuses ("-detpixels 8", "-stol: no .stol file");
  cli_refuses ("-stol air.stol -thikness 1", "-thikness: unknown flag");
  cli_refuses ("-stol air.stol -thickness", "-thickness: needs 1 value");
  cli_refuses ("-stol air.stol -density abc", "-density: 'abc' is not");
  cli_refuses ("-stol air.stol -density -1", "density must be");
  cli_refuses ("-stol air.stol -detpixels 2.5", "-detpixels: '2.5'");
  cli_refuses ("-stol nonexistent.stol", "nonexistent.stol");
  cli_refuses ("-stol air.stol -img x.img", "-img: nonBragg's image");
  cli_refuses (args, ":3: expected 'stol F'");
  g_unlink (bad);
  g_free (bad);
  g_free (args);
}

/* ---- the .stol reader and the interpolation ---- */

static void
assert_read_fails (const char *text, const char *expect)
{
  gchar *path = write_temp (text);
  GError *error = NULL;
  NbStolTable *t = nb_stol_table_read (path, NB_STOL_UNITS_STOL, &error);

  g_assert_null (t);
  g_assert_error (error, NB_ERROR, NB_ERROR_FORMAT);
  if (strstr (error->message, expect) == NULL
      || strstr (error->message, path) == NULL)
    g_error ("'%s': '%s' lacks the file name or '%s'", text, error->message,
        expect);
  g_error_free (error);
  g_unlink (path);
  g_free (path);
}

static void
test_stol_reader (void)
{
  gchar *path = write_temp ("# comment\n0 2.5, extra\n\n0.1;2.0\n"
      "0.2 nan\n 0.3\t1.0\n");
  GError *error = NULL;
  NbStolTable *t = nb_stol_table_read (path, NB_STOL_UNITS_STOL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (t->n, ==, 4 + 4);
  /* 1/A -> 1/m; guards carry the first and last given F */
  g_assert_cmpfloat (t->stol[3], ==, 0.1 * 1e10);
  g_assert_cmpfloat (t->stol[0], ==, -1e99);
  g_assert_cmpfloat (t->stol[7], ==, 1e99);
  g_assert_cmpfloat (t->F[0], ==, 2.5);
  g_assert_cmpfloat (t->F[1], ==, 2.5);
  g_assert_cmpfloat (t->F[4], ==, 0.0);       /* nan = missing = 0 */
  g_assert_cmpfloat (t->F[6], ==, 1.0);
  g_assert_cmpfloat (t->F[7], ==, 1.0);
  nb_stol_table_free (t);
  t = nb_stol_table_read (path, NB_STOL_UNITS_Q, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (t->stol[3], ==, 0.1 * (1e10 / G_PI / 4));
  nb_stol_table_free (t);
  g_unlink (path);
  g_free (path);

  assert_read_fails ("0 1\n0.1 abc\n", ":2: expected 'stol F'");
  assert_read_fails ("0 1\n0.1\n", ":2: expected 'stol F'");
  assert_read_fails ("0 1\n0.2 1\n0.1 1\n", ":3: stol 0.1 is not larger");
  assert_read_fails ("0 1\n0 1\n", ":2: stol 0 is not larger");
  assert_read_fails ("# nothing\n\n", "no 'stol F' lines");
  assert_read_fails ("0 nan\n0.1 nan\n", "no F values");
  {
    GError *e = NULL;
    g_assert_null (nb_stol_table_read ("/nonexistent/x.stol",
            NB_STOL_UNITS_STOL, &e));
    g_assert_error (e, NB_ERROR, NB_ERROR_FILE);
    g_assert_nonnull (strstr (e->message, "/nonexistent/x.stol"));
    g_error_free (e);
  }
}

/* Four-point interpolation is exact for a cubic: a table sampled from
 * one must give the cubic everywhere inside (unevenly spaced points). */
static void
test_interpolation_cubic (void)
{
  GString *text = g_string_new (NULL);
  gchar *path;
  NbStolTable *t;
  GError *error = NULL;
  double s = 0.0;

  for (int i = 0; i < 40; i++) {
    double F = 3.0 - 2.0 * s + 5.0 * s * s - 4.0 * s * s * s;
    g_string_append_printf (text, "%.17g %.17g\n", s, F);
    s += 0.01 + 0.005 * (i % 3);
  }
  path = write_temp (text->str);
  t = nb_stol_table_read (path, NB_STOL_UNITS_STOL, &error);
  g_assert_no_error (error);
  for (double x = 0.02; x < 0.4; x += 0.0037) {
    double want = 3.0 - 2.0 * x + 5.0 * x * x - 4.0 * x * x * x;
    double got = nb_stol_table_F (t, x * 1e10);
    g_assert_cmpfloat (fabs (got - want), <=, 1e-12 * fabs (want));
  }
  /* at a table point, the table's value */
  g_assert_cmpfloat (fabs (nb_stol_table_F (t, t->stol[10]) - t->F[10]), <=,
      1e-14);
  nb_stol_table_free (t);
  g_unlink (path);
  g_free (path);
  g_string_free (text, TRUE);
}

/* ---- the engine with nanobragg-style parameters (as the element) ---- */

static double *
render (const NbBackground * bg, const NbModel * m, int threads,
    double *omega)
{
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  double *img = g_new (double, n);
  GError *error = NULL;

  g_assert_true (nb_background_render (bg, m, threads, img, omega, &error));
  g_assert_no_error (error);
  return img;
}

static void
test_engine_golden (void)
{
  for (int c = 0; c < 3; c++) {
    NbModel *m = engine_model (engine_flags[c]);
    NbBackground *bg = background_of (samples[c].stol, samples[c].thickness,
        samples[c].density, samples[c].mw);
    gsize n = case_pixels (cases[c]);
    double omega = 0.0;
    double *img = render (bg, m, 0, &omega);
    float *f = g_new (float, n);

    g_assert_cmpuint ((gsize) m->det.fpixels * m->det.spixels, ==, n);
    for (gsize i = 0; i < n; i++)
      f[i] = (float) img[i];
    check_against_golden (cases[c], f);
    g_assert_cmpfloat (omega, >, 0.0);
    g_free (f);
    g_free (img);
    nb_background_free (bg);
    nb_model_free (m);
  }
}

/* Every pixel is computed by one thread from scratch: the image does not
 * depend on the thread count (bit for bit, the solid-angle sum too). */
static void
test_engine_threads (void)
{
  NbModel *m = engine_model (engine_flags[2]);
  NbBackground *bg = background_of ("water.stol", 0.05, 1.0, 18.0);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  double o1 = 0, o3 = 0, o7 = 0;
  double *a = render (bg, m, 1, &o1), *b = render (bg, m, 3, &o3);
  double *c = render (bg, m, 7, &o7);

  g_assert_cmpint (memcmp (a, b, n * sizeof (double)), ==, 0);
  g_assert_cmpint (memcmp (a, c, n * sizeof (double)), ==, 0);
  g_assert_cmpfloat (o1, ==, o3);
  g_assert_cmpfloat (o1, ==, o7);
  g_free (a);
  g_free (b);
  g_free (c);
  nb_background_free (bg);
  nb_model_free (m);
}

/* Water + air in one background is the sum of the two alone. */
static void
test_engine_components_sum (void)
{
  NbModel *m = engine_model (engine_flags[1]);
  NbBackground *water = background_of ("water.stol", 0.1, 1.0, 18.0);
  NbBackground *air = background_of ("air.stol", 25, 1.2e-3, 28.8);
  NbBackground *both = background_of ("water.stol", 0.1, 1.0, 18.0);
  NbAmorphousSpec s;
  GError *error = NULL;
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  double *w, *a, *wa;

  nb_amorphous_spec_init (&s);
  s.stol_file = data_path ("air.stol");
  s.thickness = 25;
  s.density = 1.2e-3;
  s.molecular_weight = 28.8;
  g_assert_true (nb_background_add (both, &s, "test", &error));
  g_free (s.stol_file);
  g_assert_cmpint (nb_background_n_components (both), ==, 2);
  w = render (water, m, 0, NULL);
  a = render (air, m, 0, NULL);
  wa = render (both, m, 0, NULL);
  for (gsize i = 0; i < n; i++) {
    g_assert_cmpfloat (w[i], >, 0.0);
    g_assert_cmpfloat (a[i], >, 0.0);
    g_assert_cmpfloat (fabs (wa[i] - (w[i] + a[i])), <=, 1e-12 * wa[i]);
  }
  g_free (w);
  g_free (a);
  g_free (wa);
  nb_background_free (water);
  nb_background_free (air);
  nb_background_free (both);
  nb_model_free (m);
}

/* The water background of a 64 x 64 detector lit by the sources
 * @sources (a -sourcefile's lines), weighed by -source_weights @weights,
 * with nonBragg's raw weights if @raw. */
static double *
background_of_sources (const char *sources, const char *weights,
    gboolean raw)
{
  gchar *file = write_temp (sources);
  gchar *flags = g_strdup_printf ("-detpixels 64 -pixel 0.2 -distance 80 "
      "-lambda 1.0 -fluence 1e24 -sourcefile %s -source_weights %s", file,
      weights);
  NbModel *m = engine_model (flags);
  NbBackground *bg = background_of ("water.stol", 0.1, 1.0, 18.0);
  double *img;

  nb_background_set_raw_source_weights (bg, raw);
  img = render (bg, m, 0, NULL);
  nb_background_free (bg);
  nb_model_free (m);
  g_unlink (file);
  g_free (file);
  g_free (flags);
  return img;
}

/* Two sources on the same ray, weights 3 and 1: the background as the
 * Bragg sum sees the beam (shares 1.5 and 0.5 with -source_weights on,
 * 1 and 1 with off) equals one source's; nonBragg's rule (the nonbragg
 * command line) weighs the terms as read: (3 + 1) / 2 = 2 times it. */
static void
test_engine_source_weights (void)
{
  const char *two = "-10 0 0 3 1e-10\n-10 0 0 1 1e-10\n";
  const struct {
    const char *weights;
    gboolean raw;
    double ratio;
  } runs[] = { {"on", FALSE, 1.0}, {"off", FALSE, 1.0}, {"on", TRUE, 2.0},
  {"off", TRUE, 2.0}
  };
  double *one = background_of_sources ("-10 0 0 1 1e-10\n", "off", FALSE);

  for (guint r = 0; r < G_N_ELEMENTS (runs); r++) {
    double *img = background_of_sources (two, runs[r].weights, runs[r].raw);
    for (gsize i = 0; i < 64 * 64; i++) {
      g_assert_cmpfloat (one[i], >, 0.0);
      g_assert_cmpfloat (fabs (img[i] / one[i] - runs[r].ratio), <=, 1e-12);
    }
    g_free (img);
  }
  g_free (one);
}

/* Molecules in the beam: nonBragg's numbers (its stdout). */
static void
test_molecules (void)
{
  NbModel *m = engine_model (engine_flags[1]);
  NbBackground *air = background_of ("air.stol", 25, 1.2e-3, 28.8);
  NbBackground *water = background_of ("water.stol", 0.1, 1.0, 18.0);

  g_assert_cmpfloat (fabs (nb_background_molecules (air, 0, m) / 6.27306e15
          - 1), <, 1e-5);
  g_assert_cmpfloat (fabs (nb_background_molecules (water, 0, m)
          / 3.34563e16 - 1), <, 1e-5);
  nb_background_free (air);
  nb_background_free (water);
  nb_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("/nonbragg/cli-golden/%s", cases[i]);
    g_test_add_data_func (name, cases[i], test_cli_golden);
    g_free (name);
  }
  g_test_add_func ("/nonbragg/cli-divergence-finite",
      test_cli_divergence_finite);
  g_test_add_func ("/nonbragg/cli-bad-input", test_cli_bad_input);
  g_test_add_func ("/nonbragg/stol-reader", test_stol_reader);
  g_test_add_func ("/nonbragg/interpolation-cubic", test_interpolation_cubic);
  g_test_add_func ("/nonbragg/engine-golden", test_engine_golden);
  g_test_add_func ("/nonbragg/engine-threads", test_engine_threads);
  g_test_add_func ("/nonbragg/engine-components-sum",
      test_engine_components_sum);
  g_test_add_func ("/nonbragg/molecules", test_molecules);
  g_test_add_func ("/nonbragg/engine-source-weights",
      test_engine_source_weights);
  return g_test_run ();
}
