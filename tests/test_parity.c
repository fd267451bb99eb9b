/* test_parity.c - every golden case through the float64 CPU engine:
 * images at the tolerance of the golden README, derived geometry against
 * the reference's stdout and trace, rotation-series frames, integer and
 * noise images byte for byte, and independence from the thread count;
 * and the single-defect reference images of tests/reference/. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_image.h"
#include <glib/gstdio.h>

/* Cases whose default run must match float.bin.  phi_carryover is tested
 * separately: by default we rotate at phi == 0 (correct physics). */
static gchar *
case_path (const char *c, const char *file)
{
  return g_build_filename (golden_dir (), c, file, NULL);
}

static gchar *
inputs_dir (void)
{
  return g_build_filename (golden_dir (), "inputs", NULL);
}

static void
check_image (const char *c, const char *args, const char *ref_file,
    gint64 frame)
{
  gchar *args_path = case_path (c, args), *ref_path = case_path (c, ref_file);
  gchar *in = inputs_dir ();
  NbModel *m = golden_load_model (args_path, in, 0, NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  float *ours = golden_render (m, 0, frame, NULL);
  float *ref = golden_read_floats (ref_path, n);
  gchar *why = golden_compare_images (ours, ref, n, &golden_float64);

  if (why)
    g_test_fail_printf ("%s frame %" G_GINT64_FORMAT ": %s", c, frame, why);
  g_free (why);
  g_free (ours);
  g_free (ref);
  nb_model_free (m);
  g_free (args_path);
  g_free (ref_path);
  g_free (in);
}

static void
test_case_image (gconstpointer data)
{
  check_image (data, "args", "float.bin", 0);
}

/* Any thread count gives the same bits. */
static void
test_case_threads (gconstpointer data)
{
  gchar *args_path = case_path (data, "args"), *in = inputs_dir ();
  NbModel *m = golden_load_model (args_path, in, 0, NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  float *one = golden_render (m, 1, 0, NULL);
  float *three = golden_render (m, 3, 0, NULL);

  g_assert_cmpmem (one, n * sizeof (float), three, n * sizeof (float));
  g_free (one);
  g_free (three);
  nb_model_free (m);
  g_free (args_path);
  g_free (in);
}

/* nanoBragg's one-way interpolation switch: a crystal whose spots reach
 * the edge of a small HKL box.  Every pixel after the switch equals the
 * -nointerpolate render, earlier pixels are interpolated (differ from it),
 * and the result does not depend on the thread count. */
static void
test_interpolation_switch_off (void)
{
  gchar *in = inputs_dir (), *dir = g_dir_make_tmp ("nbinterp-XXXXXX", NULL);
  gchar *args = g_build_filename (dir, "args", NULL);
  const char *line = "-hkl sparse.hkl -default_F 10 -cell 79 79 38 90 90 90 "
      "-misset 10 20 30 -lambda 1 -distance 100 -detpixels 96 -pixel 0.2 "
      "-Xbeam 0.5 -Ybeam 0.5 "
      "-N 2 -oversample 1 -interpolate";
  NbModel *m_on, *m_off;
  NbBackend *b1, *b3, *boff;
  float *on1, *on3, *off;
  gsize n, before_differs = 0;
  gint64 at;
  GError *error = NULL;

  g_assert_true (g_file_set_contents (args, line, -1, NULL));
  m_on = golden_load_model (args, in, 0, NULL);
  m_off = golden_load_model_edited (args, in, NULL, NULL, "-nointerpolate");
  n = (gsize) m_on->det.fpixels * m_on->det.spixels;
  on1 = g_new (float, n);
  on3 = g_new (float, n);
  off = g_new (float, n);
  b1 = nb_backend_cpu_new (m_on, 1, NB_PRECISION_FLOAT64, &error);
  b3 = nb_backend_cpu_new (m_on, 3, NB_PRECISION_FLOAT64, &error);
  boff = nb_backend_cpu_new (m_off, 0, NB_PRECISION_FLOAT64, &error);
  g_assert_true (nb_backend_render (b1, 0, on1, NULL, &error));
  g_assert_true (nb_backend_render (b3, 0, on3, NULL, &error));
  g_assert_true (nb_backend_render (boff, 0, off, NULL, &error));
  at = b1->interpolation_off_at;
  g_assert_cmpint (at, >, 0);
  g_assert_cmpint (at, <, (gint64) n - 1);
  g_assert_cmpint (b3->interpolation_off_at, ==, at);
  g_assert_cmpmem (on1, n * sizeof (float), on3, n * sizeof (float));
  for (gsize i = 0; i < n; i++) {
    if ((gint64) i > at)
      g_assert_cmpfloat (on1[i], ==, off[i]);
    else if ((gint64) i < at && on1[i] != off[i])
      before_differs++;
  }
  g_assert_cmpuint (before_differs, >, 0);
  g_test_message ("switch-off at pixel %" G_GINT64_FORMAT ", %" G_GSIZE_FORMAT
      " earlier pixels interpolated differently", at, before_differs);
  nb_backend_free (b1);
  nb_backend_free (b3);
  nb_backend_free (boff);
  nb_model_free (m_on);
  nb_model_free (m_off);
  g_free (on1);
  g_free (on3);
  g_free (off);
  g_unlink (args);
  g_rmdir (dir);
  g_free (args);
  g_free (dir);
  g_free (in);
}

/* Frame i of a series started at args.0 equals the reference run with
 * -phi (phi + i osc). */
static void
test_rotation_frame (gconstpointer data)
{
  gint64 frame = GPOINTER_TO_INT (data);
  gchar *ref = g_strdup_printf ("frame_%03d.bin", (int) frame);
  check_image ("rotation_series", "args.0", ref, frame);
  g_free (ref);
}

/* Finds the golden stdout line starting with @prefix. */
static gchar *
golden_line (const char *stdout_text, const char *prefix)
{
  gchar **lines = g_strsplit (stdout_text, "\n", -1);
  gchar *found = NULL;
  for (int i = 0; lines[i] && !found; i++)
    if (g_str_has_prefix (lines[i], prefix))
      found = g_strdup (lines[i]);
  g_strfreev (lines);
  return found;
}

static double
trace_value (const char *trace, const char *key, int index)
{
  gchar *needle = g_strdup_printf ("TRACE_C: %s ", key);
  const char *p = strstr (trace, needle);
  double v = NAN;
  if (p) {
    gchar **parts;
    const char *end = strchr (p, '\n');
    gchar *line = g_strndup (p, end - p);
    parts = g_strsplit (line + strlen (needle), " ", -1);
    if ((int) g_strv_length (parts) > index)
      v = g_ascii_strtod (parts[index], NULL);
    g_strfreev (parts);
    g_free (line);
  }
  g_free (needle);
  return v;
}

static void
expect_line (const char *c, const char *text, const char *prefix,
    const char *ours)
{
  gchar *ref = golden_line (text, prefix);
  if (ref == NULL) {
    g_test_fail_printf ("%s: no '%s' line in the reference stdout", c,
        prefix);
    return;
  }
  if (strcmp (g_strstrip (ref), g_strstrip ((gchar *) ours)) != 0)
    g_test_fail_printf ("%s: reference '%s', ours '%s'", c, ref, ours);
  g_free (ref);
}

/* Geometry: the %g lines nanoBragg prints must read the same, and pix0 and
 * the close distance (printed with 15 digits in the trace) to 1e-9. */
static void
test_case_geometry (gconstpointer data)
{
  const char *c = data;
  gchar *args = case_path (c, "args"), *out = case_path (c, "stdout.txt");
  gchar *tr = case_path (c, "trace.log"), *in = inputs_dir ();
  gchar *text = NULL, *trace = NULL, *line;
  NbModel *m = golden_load_model (args, in, 0, NULL);
  const NbDetector *d = &m->det;

  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_assert_true (g_file_get_contents (tr, &trace, NULL, NULL));

#define LINE(prefix, ...) do { line = g_strdup_printf (__VA_ARGS__); \
    expect_line (c, text, prefix, line); g_free (line); } while (0)
  LINE ("  Xbeam=", "  Xbeam=%lg Ybeam=%lg", d->Xbeam, d->Ybeam);
  LINE ("  Fbeam=", "  Fbeam=%lg Sbeam=%lg", d->Fbeam, d->Sbeam);
  LINE ("  Xclose=", "  Xclose=%lg Yclose=%lg", d->Xclose, d->Yclose);
  LINE ("  Fclose=", "  Fclose=%lg Sclose=%lg", d->Fclose, d->Sclose);
  LINE ("  distance=", "  distance=%lg detsize=%lgx%lg  pixel=%lg meters "
      "(%dx%d pixels)", d->distance, d->detsize_f, d->detsize_s,
      d->pixel_size, d->fpixels, d->spixels);
  LINE ("  DIRECTION_OF_DETECTOR_X-AXIS=", "  DIRECTION_OF_DETECTOR_X-AXIS= "
      "%g %g %g", d->fdet[0], d->fdet[1], d->fdet[2]);
  LINE ("  DIRECTION_OF_DETECTOR_Y-AXIS=", "  DIRECTION_OF_DETECTOR_Y-AXIS= "
      "%g %g %g", d->sdet[0], d->sdet[1], d->sdet[2]);
  LINE ("  DIRECTION_OF_DETECTOR_Z-AXIS=", "  DIRECTION_OF_DETECTOR_Z-AXIS= "
      "%g %g %g", d->odet[0], d->odet[1], d->odet[2]);
  LINE ("  dials origin=", "  dials origin= %g %g %g", d->dials_origin[0],
      d->dials_origin[1], d->dials_origin[2]);
  LINE ("  created a total of", "  created a total of %d sources:",
      m->n_sources);
  {
    gchar *prefix = g_strdup_printf ("  %dx%d pixel oversample", d->oversample,
        d->oversample);
    LINE (prefix, "  %dx%d pixel oversample steps%s%s%s", d->oversample,
      d->oversample, d->oversample_thick ? " +thick" : "",
      d->oversample_polar ? " +polar" : "", d->oversample_omega ? " +omega" :
      "");
    g_free (prefix);
  }
#undef LINE
#define LINE2(prefix, ...) do { line = g_strdup_printf (__VA_ARGS__); \
    expect_line (c, text, prefix, line); g_free (line); } while (0)

  {
    /* statistics lines after rendering */
    double omega_sum = 0.0;
    float *img = golden_render (m, 0, 0, &omega_sum);
    NbFrameStats st;
    nb_frame_stats (m, img, omega_sum, &st);
    LINE2 ("max_I = ", "max_I = %g  at %g %g", st.max_I, st.max_I_fast,
        st.max_I_slow);
    LINE2 ("mean= ", "mean= %g rms= %g rmsd= %g", st.avg, st.rms, st.rmsd);
    LINE2 ("solid angle", "solid angle subtended by detector = %g steradian "
        "( %g%% sphere)", st.omega_sum / m->steps,
        100 * st.omega_sum / m->steps / 4 / G_PI);
    g_free (img);
  }
#undef LINE2
  for (int i = 0; i < 3; i++) {
    double ref = trace_value (trace, "pix0_vector_meters", i);
    g_assert_false (isnan (ref));
    if (fabs (d->pix0[i] - ref) > 1e-9 * fabs (ref) + 1e-15)
      g_test_fail_printf ("%s: pix0[%d] %.15g, reference %.15g", c, i,
          d->pix0[i], ref);
  }
  {
    double ref = trace_value (trace, "close_distance_meters", 0);
    if (fabs (d->close_distance - ref) > 1e-9 * fabs (ref))
      g_test_fail_printf ("%s: close distance %.15g, reference %.15g", c,
          d->close_distance, ref);
  }
  nb_model_free (m);
  g_free (text);
  g_free (trace);
  g_free (args);
  g_free (out);
  g_free (tr);
  g_free (in);
}

/* The comparison must be able to fail: a slightly different image (one
 * bright pixel off by 1e-5, or a zero made nonzero) is rejected. */
static void
test_comparator_rejects (void)
{
  gchar *ref_path = case_path ("mosflm_basic", "float.bin");
  gsize n = 128 * 128;
  float *ref = golden_read_floats (ref_path, n);
  float *bad = g_memdup2 (ref, n * sizeof (float));
  gchar *why;
  gsize bright = 0, zero = 0;

  why = golden_compare_images (ref, ref, n, &golden_float64);
  g_assert_null (why);
  for (gsize i = 0; i < n; i++) {
    if (ref[i] > ref[bright])
      bright = i;
    if (ref[i] == 0.0f)
      zero = i;
  }
  bad[bright] *= 1.00001f;
  why = golden_compare_images (bad, ref, n, &golden_float64);
  g_assert_nonnull (why);
  g_free (why);
  memcpy (bad, ref, n * sizeof (float));
  if (ref[zero] == 0.0f) {
    bad[zero] = 1e-30f;
    why = golden_compare_images (bad, ref, n, &golden_float64);
    g_assert_nonnull (why);
    g_free (why);
  }
  g_free (bad);
  g_free (ref);
  g_free (ref_path);
}

static void
test_threads_independent (void)
{
  gchar *args = case_path ("mosaic_rotation", "args"), *in = inputs_dir ();
  NbModel *m = golden_load_model (args, in, 0, NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  float *one = golden_render (m, 1, 0, NULL);
  float *three = golden_render (m, 3, 0, NULL);
  float *seven = golden_render (m, 7, 0, NULL);

  g_assert_cmpmem (one, n * sizeof (float), three, n * sizeof (float));
  g_assert_cmpmem (one, n * sizeof (float), seven, n * sizeof (float));
  g_free (one);
  g_free (three);
  g_free (seven);
  nb_model_free (m);
  g_free (args);
  g_free (in);
}

static void
test_int_and_noise_images (void)
{
  gchar *args = case_path ("noise_seed", "args"), *in = inputs_dir ();
  gchar *int_path = case_path ("noise_seed", "int.img");
  gchar *noise_path = case_path ("noise_seed", "noise.img");
  NbParams p;
  NbModel *m = golden_load_model (args, in, 0, &p);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  float *img = golden_render (m, 0, 0, NULL);
  guint16 *counts = g_new (guint16, n);
  gchar *ref = NULL;
  gsize len = 0;
  char header[512];
  NbSmvHeader h;
  int overloads;

  nb_image_smv_header (m, p.phi, &h);
  nb_smv_format_header (&h, header);

  g_assert_true (g_file_get_contents (int_path, &ref, &len, NULL));
  g_assert_cmpuint (len, ==, 512 + 2 * n);
  nb_image_to_counts (m, img, p.int_scale, p.adc_offset, counts);
  g_assert_cmpmem (header, 512, ref, 512);
  g_assert_cmpmem (counts, 2 * n, ref + 512, 2 * n);
  g_free (ref);

  g_assert_true (g_file_get_contents (noise_path, &ref, &len, NULL));
  nb_image_to_noise (m, img, (long) p.seed, 1.0, p.adc_offset, counts,
      &overloads);
  g_assert_cmpmem (counts, 2 * n, ref + 512, 2 * n);
  g_free (ref);

  g_free (counts);
  g_free (img);
  nb_model_free (m);
  nb_params_clear (&p);
  g_free (args);
  g_free (in);
  g_free (int_path);
  g_free (noise_path);
}

static float *
render_edited (const char *c, const char *from, const char *to,
    const char *extra, int threads, gsize * n)
{
  gchar *args = case_path (c, "args"), *in = inputs_dir ();
  NbModel *m = golden_load_model_edited (args, in, from, to, extra);
  float *img = golden_render (m, threads, 0, NULL);
  *n = (gsize) m->det.fpixels * m->det.spixels;
  nb_model_free (m);
  g_free (args);
  g_free (in);
  return img;
}

/* -phi_carryover reproduces nanoBragg's reuse of the previous orientation
 * at phi == 0, whatever our thread count. */
static void
test_phi_carryover_emulated (void)
{
  gchar *ref_path = case_path ("phi_carryover", "float.bin");
  gsize n;
  float *one = render_edited ("phi_carryover", NULL, NULL, "-phi_carryover",
      1, &n);
  float *many = render_edited ("phi_carryover", NULL, NULL,
      "-phi_carryover", 3, &n);
  float *ref = golden_read_floats (ref_path, n);
  gchar *why = golden_compare_images (one, ref, n, &golden_float64);

  if (why)
    g_test_fail_printf ("phi_carryover: %s", why);
  g_assert_cmpmem (one, n * sizeof (float), many, n * sizeof (float));
  g_free (why);
  g_free (one);
  g_free (many);
  g_free (ref);
  g_free (ref_path);
}

/* By default phi == 0 is rotated like any other step: the image equals
 * the one at phi = 1e-9 deg (README policy), and differs from the quirk. */
static void
test_phi_zero_default_is_physics (void)
{
  gchar *ref_path = case_path ("phi_carryover", "float.bin");
  gsize n;
  float *zero = render_edited ("phi_carryover", NULL, NULL, NULL, 0, &n);
  float *tiny = render_edited ("phi_carryover", "-phi 0 ", "-phi 1e-9 ",
      NULL, 0, &n);
  float *quirk = golden_read_floats (ref_path, n);
  gchar *why = golden_compare_images (zero, tiny, n, &golden_float64);

  if (why)
    g_test_fail_printf ("phi 0 vs 1e-9: %s", why);
  g_free (why);
  why = golden_compare_images (zero, quirk, n, &golden_float64);
  g_assert_nonnull (why);
  g_free (why);
  g_free (zero);
  g_free (tiny);
  g_free (quirk);
  g_free (ref_path);
}

/* tests/reference/<c>/<file>: reference images made for single defects
 * (each directory's README.md says how). */
static gchar *
reference_path (const char *c, const char *file)
{
  return g_build_filename (golden_dir (), "..", "reference", c, file, NULL);
}

/* Renders tests/reference/@c/args with @extra flags (or NULL) after its
 * own, on @threads threads; *@n receives the pixel count. */
static float *
render_reference_case (const char *c, const char *extra, int threads,
    gsize * n)
{
  gchar *args = reference_path (c, "args"), *in = inputs_dir ();
  NbModel *m = golden_load_model_edited (args, in, NULL, NULL, extra);
  float *img = golden_render (m, threads, 0, NULL);
  *n = (gsize) m->det.fpixels * m->det.spixels;
  nb_model_free (m);
  g_free (args);
  g_free (in);
  return img;
}

/* |ours - ref| <= @tol |ref| at pixel @i, with a message naming @what. */
static void
expect_pixel (const char *what, const float *ours, const float *ref, gsize i,
    double tol)
{
  if (!(fabs ((double) ours[i] - ref[i]) <= tol * fabs (ref[i])))
    g_test_fail_printf ("%s: pixel %" G_GSIZE_FORMAT " is %.9g, reference "
        "%.9g (tolerance %.1g relative)", what, i, ours[i], ref[i], tol);
}

/* -phi_carryover with -dmin: nanoBragg's very first phi loop (phi == 0
 * with the unrotated crystal) happens at the first pixel that passes the
 * resolution cut, here (slow 0, fast 5), not at pixel (0, 0), whose
 * sources are all cut.  Every thread count and both precisions. */
static void
test_phi_carryover_dmin (void)
{
  gchar *ref_path = reference_path ("phi_carryover_dmin", "float.bin");
  gsize n, first = 0;
  float *one = render_reference_case ("phi_carryover_dmin", "-phi_carryover",
      1, &n);
  float *three = render_reference_case ("phi_carryover_dmin",
      "-phi_carryover", 3, &n);
  float *f32 = render_reference_case ("phi_carryover_dmin",
      "-phi_carryover -precision float", 0, &n);
  float *ref = golden_read_floats (ref_path, n);
  gchar *why;

  /* the case's premise: the first pixels are cut by -dmin */
  while (first < n && ref[first] == 0.0f)
    first++;
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (first, <, n);
  why = golden_compare_images (one, ref, n, &golden_float64);
  if (why)
    g_test_fail_printf ("phi_carryover_dmin: %s", why);
  g_free (why);
  expect_pixel ("phi_carryover_dmin first phi loop", one, ref, first, 1e-6);
  expect_pixel ("phi_carryover_dmin float32 first phi loop", f32, ref, first,
      1e-4);
  g_assert_cmpmem (one, n * sizeof (float), three, n * sizeof (float));
  {
    /* the trace of that pixel takes the same path */
    gchar *args = reference_path ("phi_carryover_dmin", "args");
    gchar *in = inputs_dir ();
    NbModel *m = golden_load_model_edited (args, in, NULL, NULL,
        "-phi_carryover");
    GError *error = NULL;
    NbBackend *b = nb_backend_cpu_new (m, 0, NB_PRECISION_FLOAT64, &error);
    NbTracePixel *t = nb_trace_pixel_new (first / m->det.fpixels,
        first % m->det.fpixels);
    g_assert_true (nb_backend_trace (b, 0, &t, 1, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (t->value, ==, one[first]);
    nb_trace_pixel_free (t);
    nb_backend_free (b);
    nb_model_free (m);
    g_free (args);
    g_free (in);
  }
  g_free (one);
  g_free (three);
  g_free (f32);
  g_free (ref);
  g_free (ref_path);
}

/* -round_xtal with the beam on the centre of pixel (13, 13): there
 * nanoBragg's scattering vector is exactly 0 and sinc3(0) = 1.  Ours
 * (exactly 0 or within rounding of it, as FMA contraction gives) must
 * hold the same value, and so must a beam moved by 1e-9 mm (a scattering
 * vector of ~0.1 1/m, where sin(x)/x - cos(x) cancels to 0 in double). */
static void
test_round_xtal_beam_centre (void)
{
  const char *c = "round_xtal_beam_centre";
  const gsize beam = 13 * 25 + 13;
  gchar *ref_path = reference_path (c, "float.bin");
  gsize n;
  float *ours = render_reference_case (c, NULL, 0, &n);
  float *moved = render_reference_case (c,
      "-Xbeam 3.250000001 -Ybeam 3.250000001", 0, &n);
  float *f32 = render_reference_case (c, "-precision float", 0, &n);
  float *ref = golden_read_floats (ref_path, n);
  gchar *why;

  g_assert_cmpfloat (ref[beam], >, 1.0f);
  why = golden_compare_images (ours, ref, n, &golden_float64);
  if (why)
    g_test_fail_printf ("%s: %s", c, why);
  g_free (why);
  expect_pixel ("round_xtal direct beam", ours, ref, beam, 1e-6);
  expect_pixel ("round_xtal direct beam, beam moved 1e-9 mm", moved, ref,
      beam, 1e-6);
  expect_pixel ("round_xtal direct beam, float32", f32, ref, beam, 1e-4);
  g_free (ours);
  g_free (moved);
  g_free (f32);
  g_free (ref);
  g_free (ref_path);
}

/* Writes an SMV file with the header of @m and @pixels. */
static gchar *
write_smv (const NbModel * m, const char *dir, const char *name,
    const guint16 * pixels)
{
  gchar *path = g_build_filename (dir, name, NULL);
  NbSmvHeader h;
  GError *error = NULL;

  nb_image_smv_header (m, 0.0, &h);
  g_assert_true (nb_smv_write (path, &h, pixels, &error));
  g_assert_no_error (error);
  return path;
}

/* -mask: zero-flagged pixels are exactly 0 and skipped; the others equal
 * a render with an all-ones mask (the header's values apply to both). */
static void
test_mask (void)
{
  gchar *args = case_path ("mosflm_basic", "args"), *in = inputs_dir ();
  gchar *dir = g_dir_make_tmp ("nbmask-XXXXXX", NULL);
  NbModel *m = golden_load_model (args, in, 0, NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  guint16 *ones = g_new (guint16, n), *holes = g_new (guint16, n);
  gchar *ones_path, *holes_path, *extra;
  float *full, *masked;
  gsize zeroed = 0;

  for (gsize i = 0; i < n; i++) {
    ones[i] = 1;
    holes[i] = (i % 7 == 0 || (i / 128) % 5 == 0) ? 0 : 3;
  }
  ones_path = write_smv (m, dir, "ones.img", ones);
  holes_path = write_smv (m, dir, "holes.img", holes);
  nb_model_free (m);

  extra = g_strdup_printf ("-mask %s", ones_path);
  full = render_edited ("mosflm_basic", NULL, NULL, extra, 0, &n);
  g_free (extra);
  extra = g_strdup_printf ("-mask %s", holes_path);
  masked = render_edited ("mosflm_basic", NULL, NULL, extra, 2, &n);
  g_free (extra);
  for (gsize i = 0; i < n; i++) {
    if (holes[i] == 0) {
      g_assert_cmpfloat (masked[i], ==, 0.0f);
      zeroed += full[i] != 0.0f;
    } else {
      g_assert_cmpfloat (masked[i], ==, full[i]);
    }
  }
  g_assert_cmpuint (zeroed, >, 1000);
  g_unlink (ones_path);
  g_unlink (holes_path);
  g_rmdir (dir);
  g_free (ones_path);
  g_free (holes_path);
  g_free (dir);
  g_free (ones);
  g_free (holes);
  g_free (full);
  g_free (masked);
  g_free (args);
  g_free (in);
}

/* -img: detector size, pixel, distance, wavelength and beam centre come
 * from the SMV header; flags given on the command line override it. */
static void
test_img_header (void)
{
  gchar *in = inputs_dir ();
  gchar *dir = g_dir_make_tmp ("nbimg-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "h.img", NULL);
  gchar *args_path = g_build_filename (dir, "args", NULL), *line;
  NbSmvHeader h = { 0 };
  guint16 px[40 * 30] = { 0 };
  GError *error = NULL;
  NbModel *m;

  h.width = 40;
  h.height = 30;
  h.pixel_size = 0.172;
  h.distance = 150;
  h.close_distance = 150;
  h.wavelength = 1.5;
  h.beam_center_x = 3.0;
  h.beam_center_y = 2.5;
  g_assert_true (nb_smv_write (path, &h, px, &error));
  line = g_strdup_printf ("-hkl dense.hkl -cell 79 79 38 90 90 90 -N 3 "
      "-img %s", path);
  g_assert_true (g_file_set_contents (args_path, line, -1, NULL));
  m = golden_load_model (args_path, in, 0, NULL);
  g_assert_cmpint (m->det.fpixels, ==, 40);
  g_assert_cmpint (m->det.spixels, ==, 30);
  g_assert_cmpfloat_with_epsilon (m->det.pixel_size, 0.172e-3, 1e-15);
  g_assert_cmpfloat_with_epsilon (m->det.close_distance, 0.150, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->lambda0, 1.5e-10, 1e-22);
  g_assert_cmpfloat_with_epsilon (m->det.Xbeam, 0.003, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->det.Ybeam, 0.0025, 1e-12);
  nb_model_free (m);
  m = golden_load_model_edited (args_path, in, NULL, NULL,
      "-lambda 0.9 -detpixels 64");
  g_assert_cmpfloat_with_epsilon (m->lambda0, 0.9e-10, 1e-22);
  g_assert_cmpint (m->det.fpixels, ==, 64);
  nb_model_free (m);
  g_unlink (path);
  g_unlink (args_path);
  g_rmdir (dir);
  g_free (line);
  g_free (args_path);
  g_free (path);
  g_free (dir);
  g_free (in);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden_add_case_tests ("/parity/image", GOLDEN_N_STILLS, test_case_image);
  golden_add_case_tests ("/parity/threads", GOLDEN_N_STILLS,
      test_case_threads);
  golden_add_case_tests ("/parity/geometry", GOLDEN_N_STILLS,
      test_case_geometry);
  for (int f = 0; f < 3; f++) {
    gchar *name = g_strdup_printf ("/parity/rotation_series/frame%d", f);
    g_test_add_data_func (name, GINT_TO_POINTER (f), test_rotation_frame);
    g_free (name);
  }
  g_test_add_func ("/parity/threads-independent", test_threads_independent);
  g_test_add_func ("/parity/comparator-rejects", test_comparator_rejects);
  g_test_add_func ("/parity/mask", test_mask);
  g_test_add_func ("/parity/interpolation-switch-off",
      test_interpolation_switch_off);
  g_test_add_func ("/parity/img-header", test_img_header);
  g_test_add_func ("/parity/phi_carryover/emulated",
      test_phi_carryover_emulated);
  g_test_add_func ("/parity/phi_carryover/default-is-physics",
      test_phi_zero_default_is_physics);
  g_test_add_func ("/parity/phi_carryover/dmin", test_phi_carryover_dmin);
  g_test_add_func ("/parity/round_xtal/beam-on-pixel-centre",
      test_round_xtal_beam_centre);
  g_test_add_func ("/parity/noise_seed/int-and-noise-bytes",
      test_int_and_noise_images);
  return g_test_run ();
}
