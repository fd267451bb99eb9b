/* golden_compare.c - loading golden cases and comparing images. */
#include "golden_compare.h"
#include "nb_args.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const GoldenTolerance golden_float64 = {
  .rel_bright = 1e-6,
  .bright_frac = 1e-3,
  .abs_dim = 1e-6,
  .min_correlation = 0.99999,
};

const char *const golden_cases[GOLDEN_N_CASES] = {
  "mosflm_basic", "mosflm_mat_energy", "xds_orgxy_twotheta",
  "dials_detrot_thick", "adxv_pointpixel_nopolar", "denzo_gauss_curved",
  "custom_pivot_sample", "custom_pivot_beam_sources", "round_interpolate",
  "tophat_nointerpolate", "mosaic_rotation", "divergence_round",
  "dispersion_dmin", "oversample2_thick_polar", "oversample3_omega",
  "water_sparse_defaultF", "roi_flux_exposure", "noise_seed",
  "rotation_series", "phi_carryover",
};

const char *
golden_dir (void)
{
  const char *d = g_getenv ("NB_GOLDEN_DIR");
  return d ? d : GOLDEN_DIR;
}

float *
golden_read_floats (const char *path, gsize n)
{
  gchar *data = NULL;
  gsize len = 0;
  GError *error = NULL;
  float *out;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, n * sizeof (float));
  out = g_new (float, n);
  memcpy (out, data, len);
  g_free (data);
  return out;
}

gchar *
golden_compare_images (const float *ours, const float *ref, gsize n,
    const GoldenTolerance * tol)
{
  double max = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, r;
  double worst_rel = 0, worst_abs = 0;
  gsize worst_i = 0, zero_bad = 0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, ref[i]);
  for (gsize i = 0; i < n; i++) {
    double x = ours[i], y = ref[i];
    if (!isfinite (x))
      return g_strdup_printf ("pixel %" G_GSIZE_FORMAT " is not finite", i);
    if (y == 0.0 && x != 0.0)
      zero_bad++;
    if (y > tol->bright_frac * max) {
      double rel = fabs (x - y) / fabs (y);
      if (rel > worst_rel) {
        worst_rel = rel;
        worst_i = i;
      }
    } else {
      worst_abs = MAX (worst_abs, fabs (x - y) / max);
    }
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  r = (n * sxy - sx * sy) / sqrt ((n * sxx - sx * sx) * (n * syy - sy * sy));
  if (zero_bad > 0)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " pixels are nonzero where "
        "the reference is exactly 0", zero_bad);
  if (worst_rel >= tol->rel_bright)
    return g_strdup_printf ("relative error %.3g at pixel %" G_GSIZE_FORMAT
        " (ours %.9g, reference %.9g) exceeds %.1g", worst_rel, worst_i,
        ours[worst_i], ref[worst_i], tol->rel_bright);
  if (worst_abs >= tol->abs_dim)
    return g_strdup_printf ("absolute error %.3g of the maximum on a dim "
        "pixel exceeds %.1g", worst_abs, tol->abs_dim);
  if (!(r > tol->min_correlation))
    return g_strdup_printf ("correlation %.8f is below %.6f", r,
        tol->min_correlation);
  g_test_message ("max %.6g, worst relative %.3g, worst dim %.3g, r=%.9f",
      max, worst_rel, worst_abs, r);
  return NULL;
}

static NbModel *
load_model (const char *args_path, const char *inputs_dir,
    int threads_override, NbParams * params_out, const char *from,
    const char *to, const char *extra)
{
  gchar *line = NULL, *cwd = g_get_current_dir ();
  GError *error = NULL;
  NbParams p;
  NbModel *m;

  g_assert_true (g_file_get_contents (args_path, &line, NULL, &error));
  if (from != NULL) {
    gchar **parts = g_strsplit (line, from, -1);
    g_free (line);
    line = g_strjoinv (to, parts);
    g_strfreev (parts);
  }
  nb_params_init (&p);
  g_assert_cmpint (g_chdir (inputs_dir), ==, 0);
  g_assert_true (nb_args_apply_string (&p, g_strstrip (line), &error));
  g_assert_no_error (error);
  if (extra != NULL) {
    g_assert_true (nb_args_apply_string (&p, extra, &error));
    g_assert_no_error (error);
  }
  if (threads_override > 0)
    p.num_threads = threads_override;
  m = nb_model_new (&p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  if (params_out)
    nb_params_copy (params_out, &p);
  nb_params_clear (&p);
  g_free (line);
  g_free (cwd);
  return m;
}

NbModel *
golden_load_model (const char *args_path, const char *inputs_dir,
    int threads_override, NbParams * params_out)
{
  return load_model (args_path, inputs_dir, threads_override, params_out,
      NULL, NULL, NULL);
}

NbModel *
golden_load_model_edited (const char *args_path, const char *inputs_dir,
    const char *from, const char *to, const char *extra)
{
  return load_model (args_path, inputs_dir, 0, NULL, from, to, extra);
}

NbModel *
golden_load_case (const char *c, const char *extra)
{
  gboolean series = strcmp (c, "rotation_series") == 0;
  gchar *args = g_build_filename (golden_dir (), c, series ? "args.0" : "args",
      NULL);
  gchar *in = g_build_filename (golden_dir (), "inputs", NULL);
  gchar *flags = g_strdup_printf ("%s %s",
      strcmp (c, "phi_carryover") == 0 ? "-phi_carryover" : "",
      extra ? extra : "");
  NbModel *m = golden_load_model_edited (args, in, NULL, NULL, flags);

  g_free (flags);
  g_free (args);
  g_free (in);
  return m;
}

void
golden_trace_pixel (const char *c, int *spixel, int *fpixel)
{
  gchar *path = g_build_filename (golden_dir (), c, "trace_pixel.txt", NULL);
  gchar *text = NULL, **rows;

  *spixel = *fpixel = -1;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  rows = g_strsplit (text, "\n", -1);
  for (int i = 0; rows[i]; i++)
    if (rows[i][0] != '#' && rows[i][0] != '\0')
      g_assert_cmpint (sscanf (rows[i], "%d %d", spixel, fpixel), ==, 2);
  g_assert_cmpint (*spixel, >=, 0);
  g_strfreev (rows);
  g_free (text);
  g_free (path);
}

float *
golden_render (const NbModel * m, int threads, gint64 frame,
    double *omega_sum)
{
  GError *error = NULL;
  NbBackend *b = nb_backend_cpu_new (m, threads, m->params.precision,
      &error);
  float *img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);

  g_assert_no_error (error);
  g_assert_true (nb_backend_render (b, frame, img, omega_sum, &error));
  g_assert_no_error (error);
  nb_backend_free (b);
  return img;
}

void
golden_add_case_tests (const char *prefix, guint n, GTestDataFunc func)
{
  for (guint i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("%s/%s", prefix, golden_cases[i]);
    g_test_add_data_func (name, golden_cases[i], func);
    g_free (name);
  }
}

gchar *
golden_run_cli (const char *dir, const char *args)
{
  const char *cli = g_getenv ("NB_CLI");
  gchar *line, **argv = NULL, *out = NULL, *err = NULL;
  gint status = -1;
  GError *error = NULL;

  g_assert_nonnull (cli);
  line = g_strdup_printf ("'%s' %s", cli, args);
  g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  g_assert_true (g_spawn_sync (dir, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("nanobragg %s failed: %s", args, err);
  g_free (err);
  g_strfreev (argv);
  g_free (line);
  return out;
}

NbDetector
golden_plain_detector (int width, int height)
{
  NbDetector d;
  memset (&d, 0, sizeof (d));
  d.fpixels = width;
  d.spixels = height;
  d.roi_xmin = 0;
  d.roi_xmax = width - 1;
  d.roi_ymin = 0;
  d.roi_ymax = height - 1;
  return d;
}
