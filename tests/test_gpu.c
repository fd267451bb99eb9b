/* test_gpu.c - the CUDA backend against the CPU engine on every golden
 * case: float64 within 1e-9 relative (pixels above 1e-3 of the maximum,
 * exact zeros kept), float32 within 1e-3 relative (pixels above 1e-2 of the
 * maximum) and correlation > 0.99999, float64 traces within 1e-9, and the
 * streaming path (submit N+1 / fetch N) and lent frames equal to single
 * renders.
 * The cases of tests/reference/ (phi carry-over with -dmin, round_xtal at
 * the direct beam) are checked the same way and against their reference
 * pixel.
 * Cases the common-case kernel can render are checked with it and again
 * with the general kernel (NB_CUDA_NO_FAST=1); at least
 * MIN_COMMON_CASE_COVERAGE golden cases must take the common-case kernel.
 * Exits 77 (skipped) when this build has no CUDA or no GPU answers. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_backend_select.h"

/* golden cases the common-case kernel renders: every one but the two
 * with per-step oversample factors (oversample2_thick_polar,
 * oversample3_omega); 18 on the H200, 2026-12-02 */
#define MIN_COMMON_CASE_COVERAGE 18

static NbModel *
load (const char *c, const char *precision)
{
  gchar *extra = g_strdup_printf ("-precision %s", precision);
  NbModel *m = golden_load_case (c, extra);
  g_free (extra);
  return m;
}

/* Renders @frame; @kernel and @omega_sum, if not NULL, receive the
 * renderer's name and the frame's solid-angle sum. */
static float *
render_with (const NbModel * m, NbDevice device, gint64 frame,
    const char **kernel, double *omega_sum)
{
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, device, 0, 0, m->params.precision,
      NULL, &error);
  float *img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  g_assert_no_error (error);
  g_assert_true (nb_backend_render (b, frame, img, omega_sum, &error));
  g_assert_no_error (error);
  if (kernel)
    *kernel = b->kernel;
  nb_backend_free (b);
  return img;
}

static float *
render (const NbModel * m, NbDevice device, gint64 frame)
{
  return render_with (m, device, frame, NULL, NULL);
}

/* The general CUDA kernel, also where the common-case one applies. */
static float *
render_general (const NbModel * m, double *omega_sum)
{
  float *img;
  g_setenv ("NB_CUDA_NO_FAST", "1", TRUE);
  img = render_with (m, NB_DEVICE_CUDA, 0, NULL, omega_sum);
  g_unsetenv ("NB_CUDA_NO_FAST");
  return img;
}

/* Solid-angle sums (the element's meta, nanoBragg's statistics) agree. */
static void
expect_omega (const char *c, const char *what, double gpu, double cpu)
{
  if (!(fabs (gpu - cpu) <= 1e-12 * fabs (cpu)))
    g_test_fail_printf ("%s %s: omega sum %.17g, cpu %.17g", c, what, gpu,
        cpu);
}

static void
expect_match (const char *c, const char *what, const float *img,
    const float *cpu, gsize n, const GoldenTolerance * tol)
{
  gchar *why = golden_compare_images (img, cpu, n, tol);
  if (why)
    g_test_fail_printf ("%s %s vs cpu: %s", c, what, why);
  g_free (why);
}

static void
test_case (gconstpointer data)
{
  const char *c = data;
  const GoldenTolerance f64 = { 1e-9, 1e-3, 1e-9, 0.999999999 };
  const GoldenTolerance f32 = { 1e-3, 1e-2, 1e-3, 0.99999 };
  NbModel *m64 = load (c, "double"), *m32 = load (c, "float");
  gsize n = (gsize) m64->det.fpixels * m64->det.spixels;
  const char *kernel = NULL;
  double omega_cpu = 0, omega_gpu = 0;
  float *cpu = render_with (m64, NB_DEVICE_CPU, 0, NULL, &omega_cpu);
  float *gpu64 = render_with (m64, NB_DEVICE_CUDA, 0, &kernel, &omega_gpu);
  float *gpu32 = render (m32, NB_DEVICE_CUDA, 0);
  double worst64 = 0, worst32 = 0, max = 0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, cpu[i]);
  for (gsize i = 0; i < n; i++) {
    if (cpu[i] > 1e-3 * max)
      worst64 = MAX (worst64, fabs (gpu64[i] - cpu[i]) / cpu[i]);
    if (cpu[i] > 1e-2 * max)
      worst32 = MAX (worst32, fabs (gpu32[i] - cpu[i]) / cpu[i]);
  }
  g_test_message ("| %s | %s | %.2e | %.2e |", c, kernel, worst64, worst32);
  expect_match (c, "cuda float64", gpu64, cpu, n, &f64);
  expect_match (c, "cuda float32", gpu32, cpu, n, &f32);
  expect_omega (c, kernel, omega_gpu, omega_cpu);
  if (strcmp (kernel, "common-case kernel") == 0) {
    double omega_general = 0;
    float *general64 = render_general (m64, &omega_general);
    float *general32 = render_general (m32, NULL);
    expect_omega (c, "general kernel", omega_general, omega_cpu);
    expect_match (c, "general kernel float64", general64, cpu, n, &f64);
    expect_match (c, "general kernel float32", general32, cpu, n, &f32);
    g_free (general64);
    g_free (general32);
  }
  g_free (cpu);
  g_free (gpu64);
  g_free (gpu32);
  nb_model_free (m64);
  nb_model_free (m32);
}

/* A case of tests/reference/ (README.md there says how its float.bin was
 * made) with @flags after its args. */
static NbModel *
load_reference_case (const char *c, const char *flags)
{
  gchar *args = g_build_filename (golden_dir (), "..", "reference", c,
      "args", NULL);
  gchar *in = g_build_filename (golden_dir (), "inputs", NULL);
  NbModel *m = golden_load_model_edited (args, in, NULL, NULL, flags);
  g_free (args);
  g_free (in);
  return m;
}

static float *
read_reference_image (const char *c, gsize n)
{
  gchar *path = g_build_filename (golden_dir (), "..", "reference", c,
      "float.bin", NULL);
  float *img = golden_read_floats (path, n);
  g_free (path);
  return img;
}

static void
expect_pixel (const char *c, const char *what, const float *img,
    const float *ref, gsize i, double tol)
{
  if (!(fabs ((double) img[i] - ref[i]) <= tol * fabs (ref[i])))
    g_test_fail_printf ("%s %s: pixel %" G_GSIZE_FORMAT " is %.9g, "
        "reference %.9g (tolerance %.1g relative)", c, what, i, img[i],
        ref[i], tol);
}

/* One reference case on the GPU, with @flags: float64 and float32 on
 * every kernel that can render it against the float64 CPU render (as
 * test_case), and
 * pixel @pixel against nanoBragg's float.bin (1e-6 float64, 1e-4
 * float32). */
static void
check_reference_case (const char *c, const char *flags, gsize pixel)
{
  const GoldenTolerance f64 = { 1e-9, 1e-3, 1e-9, 0.999999999 };
  const GoldenTolerance f32 = { 1e-3, 1e-2, 1e-3, 0.99999 };
  gchar *flags32 = g_strdup_printf ("%s -precision float", flags);
  NbModel *m64 = load_reference_case (c, flags);
  NbModel *m32 = load_reference_case (c, flags32);
  gsize n = (gsize) m64->det.fpixels * m64->det.spixels;
  const char *kernel = NULL;
  float *ref = read_reference_image (c, n);
  float *cpu = render (m64, NB_DEVICE_CPU, 0);
  float *gpu64 = render_with (m64, NB_DEVICE_CUDA, 0, &kernel, NULL);
  float *gpu32 = render (m32, NB_DEVICE_CUDA, 0);

  g_test_message ("%s %s: %s", c, flags, kernel);
  expect_match (c, "cuda float64", gpu64, cpu, n, &f64);
  expect_match (c, "cuda float32", gpu32, cpu, n, &f32);
  expect_pixel (c, "cuda float64", gpu64, ref, pixel, 1e-6);
  expect_pixel (c, "cuda float32", gpu32, ref, pixel, 1e-4);
  if (strcmp (kernel, "common-case kernel") == 0) {
    float *general64 = render_general (m64, NULL);
    float *general32 = render_general (m32, NULL);
    expect_match (c, "general kernel float64", general64, cpu, n, &f64);
    expect_match (c, "general kernel float32", general32, cpu, n, &f32);
    expect_pixel (c, "general kernel float64", general64, ref, pixel, 1e-6);
    expect_pixel (c, "general kernel float32", general32, ref, pixel, 1e-4);
    g_free (general64);
    g_free (general32);
  }
  g_free (ref);
  g_free (cpu);
  g_free (gpu64);
  g_free (gpu32);
  nb_model_free (m64);
  nb_model_free (m32);
  g_free (flags32);
}

/* -phi_carryover with -dmin: the first phi loop (unrotated crystal at
 * phi == 0) is at the first pixel that passes the cut, (0, 5), on both
 * kernels as on the CPU (tests/test_parity.c). */
static void
test_phi_carryover_dmin (void)
{
  check_reference_case ("phi_carryover_dmin", "-phi_carryover", 5);
}

/* -round_xtal with the beam on the centre of pixel (13, 13): sinc3 near
 * 0 on the device, also with the beam moved by 1e-9 mm. */
static void
test_round_xtal_beam_centre (void)
{
  const gsize beam = 13 * 25 + 13;
  check_reference_case ("round_xtal_beam_centre", "", beam);
  check_reference_case ("round_xtal_beam_centre",
      "-Xbeam 3.250000001 -Ybeam 3.250000001", beam);
}

/* Renders @m on @device; *@off_at receives where interpolation switched
 * off (-1: never). */
static float *
render_switch (const NbModel * m, NbDevice device, gint64 * off_at)
{
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, device, 0, 0, m->params.precision,
      NULL, &error);
  float *img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  double omega = 0;
  g_assert_no_error (error);
  g_assert_true (nb_backend_render (b, 0, img, &omega, &error));
  g_assert_no_error (error);
  *off_at = b->interpolation_off_at;
  nb_backend_free (b);
  return img;
}

/* Every crystal shape on the common-case kernel, with and without
 * tricubic F, including images where interpolation switches off part
 * way (-distance 40 reaches past the F box at pixel (0, 106)): float64
 * within 1e-9 and float32 within 1e-3 of the CPU, the switch at the CPU's
 * pixel, on the common-case kernel and on the general one. */
static void
test_shapes_and_switch (void)
{
  const GoldenTolerance f64 = { 1e-9, 1e-3, 1e-9, 0.999999999 };
  const GoldenTolerance f32 = { 1e-3, 1e-2, 1e-3, 0.99999 };
  const char *shapes[] = { "", "-round_xtal", "-gauss_xtal",
    "-tophat_spots"
  };
  const char *interp[] = { "-nointerpolate", "-interpolate",
    "-interpolate -distance 40"
  };
  gboolean switched = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (interp); j++) {
      gchar *extra64 = g_strdup_printf ("%s %s -N 4 -mosaic 0.3 -mosaic_domains 4 -precision double",
          shapes[i], interp[j]);
      gchar *extra32 = g_strdup_printf ("%s %s -N 4 -mosaic 0.3 -mosaic_domains 4 -precision float",
          shapes[i], interp[j]);
      NbModel *m64 = golden_load_case ("mosflm_basic", extra64);
      NbModel *m32 = golden_load_case ("mosflm_basic", extra32);
      gsize n = (gsize) m64->det.fpixels * m64->det.spixels;
      gint64 off_cpu, off64, off32, off_general;
      float *cpu = render_switch (m64, NB_DEVICE_CPU, &off_cpu);
      float *gpu64, *gpu32, *general64;
      const char *kernel = NULL;
      gchar *what;

      g_free (render_with (m64, NB_DEVICE_CUDA, 0, &kernel, NULL));
      g_assert_cmpstr (kernel, ==, "common-case kernel");
      gpu64 = render_switch (m64, NB_DEVICE_CUDA, &off64);
      gpu32 = render_switch (m32, NB_DEVICE_CUDA, &off32);
      g_setenv ("NB_CUDA_NO_FAST", "1", TRUE);
      general64 = render_switch (m64, NB_DEVICE_CUDA, &off_general);
      g_unsetenv ("NB_CUDA_NO_FAST");
      what = g_strdup_printf ("mosflm_basic %s", extra64);
      g_test_message ("%s: interpolation off at %" G_GINT64_FORMAT, what,
          off_cpu);
      expect_match (what, "cuda float64", gpu64, cpu, n, &f64);
      expect_match (what, "cuda float32", gpu32, cpu, n, &f32);
      expect_match (what, "general kernel float64", general64, cpu, n, &f64);
      g_assert_cmpint (off64, ==, off_cpu);
      g_assert_cmpint (off_general, ==, off_cpu);
      if (off_cpu >= 0)
        switched = TRUE;
      g_free (what);
      g_free (cpu);
      g_free (gpu64);
      g_free (gpu32);
      g_free (general64);
      nb_model_free (m64);
      nb_model_free (m32);
      g_free (extra64);
      g_free (extra32);
    }
  /* the switch itself was exercised */
  g_assert_true (switched);
}

static gboolean
values_match (const double *a, const double *b, int n, double tol)
{
  for (int i = 0; i < n; i++)
    if (!(fabs (a[i] - b[i]) <= tol * fabs (b[i]) + 1e-15)
        && !(isnan (a[i]) && isnan (b[i])))
      return FALSE;
  return TRUE;
}

/* The GPU's own trace records equal the CPU's (float64, 1e-9). */
static void
test_trace (gconstpointer data)
{
  const char *c = data;
  int s, f;
  NbModel *m = load (c, "double");
  GError *error = NULL;
  NbBackend *cpu = nb_backend_select (m, NB_DEVICE_CPU, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  NbBackend *gpu = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  NbTracePixel *tc, *tg;

  golden_trace_pixel (c, &s, &f);
  tc = nb_trace_pixel_new (s, f);
  tg = nb_trace_pixel_new (s, f);
  g_assert_true (nb_backend_trace (cpu, 0, &tc, 1, &error));
  g_assert_true (nb_backend_trace (gpu, 0, &tg, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg->visits->len, ==, tc->visits->len);
  g_assert_cmpuint (tg->phi_steps->len, ==, tc->phi_steps->len);
  for (guint i = 0; i < tc->visits->len; i++) {
    NbTraceVisit *a = &g_array_index (tg->visits, NbTraceVisit, i);
    NbTraceVisit *b = &g_array_index (tc->visits, NbTraceVisit, i);
    g_assert_true (values_match (a->pixel_pos, b->pixel_pos, 3, 1e-9));
    g_assert_true (values_match (a->scattering, b->scattering, 3, 1e-9));
    g_assert_true (values_match (a->hkl, b->hkl, 3, 1e-9));
    g_assert_true (values_match (&a->F_latt, &b->F_latt, 1, 1e-9));
    g_assert_true (values_match (&a->F_cell, &b->F_cell, 1, 1e-9));
    g_assert_true (values_match (&a->omega, &b->omega, 1, 1e-9));
  }
  g_assert_true (values_match (&tg->I_before_scaling, &tc->I_before_scaling,
          1, 1e-9));
  g_assert_true (values_match (&tg->I_final, &tc->I_final, 1, 1e-9));
  g_assert_true (values_match (&tg->polar, &tc->polar, 1, 1e-9));
  nb_trace_pixel_free (tc);
  nb_trace_pixel_free (tg);
  nb_backend_free (cpu);
  nb_backend_free (gpu);
  nb_model_free (m);
}

/* Frames N+1 .. N+depth-1 submitted before fetch(N), as the element
 * streams, equal renders; so do frames submitted one ahead. */
static void
streaming_equals_renders (int depth)
{
  NbModel *m = load ("rotation_series", "double");
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  float *img = g_new (float, n);

  g_assert_cmpint (depth, <=, nb_backend_queue_depth (b));
  for (gint64 frame = 0; frame < depth - 1; frame++)
    g_assert_true (nb_backend_submit (b, frame, &error));
  for (gint64 frame = 0; frame < 7; frame++) {
    float *ref = render (m, NB_DEVICE_CUDA, frame);
    g_assert_true (nb_backend_submit (b, frame + depth - 1, &error));
    g_assert_true (nb_backend_fetch (b, frame, img, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (img, n * sizeof (float), ref, n * sizeof (float));
    g_free (ref);
  }
  g_free (img);
  nb_backend_free (b);
  nb_model_free (m);
}

static void
test_streaming (void)
{
  streaming_equals_renders (2);
  /* the CUDA backend queues three frames (nb_cuda.cu NB_CUDA_SLOTS) */
  streaming_equals_renders (3);
}

/* Lent frames (zero-copy streaming) equal renders, stay valid while later
 * frames render and are lent, and after the backend is freed. */
static void
test_lend (void)
{
  enum { HELD = 3 };
  NbModel *m = load ("rotation_series", "float");
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT32, NULL, &error);
  NbLentFrame *held[HELD];
  float *ref[HELD];

  g_assert_true (nb_backend_can_lend (b));
  g_assert_true (nb_backend_submit (b, 0, &error));
  for (int frame = 0; frame < HELD; frame++) {
    ref[frame] = render (m, NB_DEVICE_CUDA, frame);
    g_assert_true (nb_backend_submit (b, frame + 1, &error));
    held[frame] = nb_backend_lend (b, frame, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (held[frame]);
    for (int k = 0; k < frame; k++)
      g_assert_true (held[k]->image != held[frame]->image);
  }
  for (int frame = 0; frame < HELD; frame++)
    g_assert_cmpmem (held[frame]->image, n * sizeof (float), ref[frame],
        n * sizeof (float));
  /* frame HELD is still in flight: freeing waits for it */
  nb_backend_free (b);
  for (int frame = 0; frame < HELD; frame++) {
    g_assert_cmpmem (held[frame]->image, n * sizeof (float), ref[frame],
        n * sizeof (float));
    nb_lent_frame_release (held[frame]);
    g_free (ref[frame]);
  }
  nb_model_free (m);
}

/* A backend lends at most six frames at a time (MAX_PINNED_FRAMES, 9, less
 * its three slots); the next one is declined without an error and can be
 * fetched (copied) instead, and lending resumes once frames come back. */
static void
test_lend_limit (void)
{
  enum { LIMIT = 6 };
  NbModel *m = load ("rotation_series", "float");
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT32, NULL, &error);
  NbLentFrame *held[LIMIT];
  float *img = g_new (float, n), *ref;

  g_assert_no_error (error);
  g_assert_nonnull (b);
  for (int frame = 0; frame < LIMIT; frame++) {
    g_assert_true (nb_backend_submit (b, frame, &error));
    held[frame] = nb_backend_lend (b, frame, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (held[frame]);
  }
  g_assert_true (nb_backend_submit (b, LIMIT, &error));
  g_assert_null (nb_backend_lend (b, LIMIT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (nb_backend_fetch (b, LIMIT, img, NULL, &error));
  g_assert_no_error (error);
  ref = render (m, NB_DEVICE_CUDA, LIMIT);
  g_assert_cmpmem (img, n * sizeof (float), ref, n * sizeof (float));
  g_free (ref);
  nb_lent_frame_release (held[0]);
  held[0] = nb_backend_lend (b, LIMIT + 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (held[0]);
  ref = render (m, NB_DEVICE_CUDA, LIMIT + 1);
  g_assert_cmpmem (held[0]->image, n * sizeof (float), ref,
      n * sizeof (float));
  for (int frame = 0; frame < LIMIT; frame++)
    nb_lent_frame_release (held[frame]);
  nb_backend_free (b);
  g_free (img);
  g_free (ref);
  nb_model_free (m);
}

/* The common-case kernel is not a corner of the code: most golden cases
 * take it (the image tests above compare it and the general kernel with
 * the CPU). */
/* Weighted sources (a spectrum of unequal weights, times a divergence
 * grid) and a detector preset's gaps: both CUDA kernels against the CPU,
 * gap pixels 0 on the GPU. */
static void
test_weighted_and_preset (void)
{
  const GoldenTolerance f64 = { 1e-9, 1e-3, 1e-9, 0.999999999 };
  gchar *spectrum = g_build_filename (g_get_tmp_dir (),
      "nb-gpu-spectrum.txt", NULL);
  gchar *extras[2];

  g_assert_true (g_file_set_contents (spectrum, "0.98 1\n1.0 3\n1.03 0.5\n",
          -1, NULL));
  extras[0] = g_strdup_printf ("-spectrum %s -divergence 0.2 -divsteps 2 "
      "-precision double", spectrum);
  extras[1] = g_strdup ("-detector pilatus300k -detpixels_s 300 -pixel 0.2 "
      "-precision double");
  for (int e = 0; e < 2; e++) {
    NbModel *m = golden_load_case ("mosflm_basic", extras[e]);
    gsize n = (gsize) m->det.fpixels * m->det.spixels;
    const char *kernel = NULL;
    float *cpu = render (m, NB_DEVICE_CPU, 0);
    float *gpu = render_with (m, NB_DEVICE_CUDA, 0, &kernel, NULL);
    float *general = render_general (m, NULL);

    g_assert_true (e == 1 || m->weighted);
    g_test_message ("%s: %s", extras[e], kernel);
    expect_match (extras[e], kernel, gpu, cpu, n, &f64);
    expect_match (extras[e], "general kernel", general, cpu, n, &f64);
    for (gsize i = 0; i < n && m->det.mask != NULL; i++)
      if (m->det.mask[i] == 0 && (gpu[i] != 0.0f || general[i] != 0.0f))
        g_test_fail_printf ("%s: gap pixel %" G_GSIZE_FORMAT " rendered",
            extras[e], i);
    g_free (cpu);
    g_free (gpu);
    g_free (general);
    nb_model_free (m);
    g_free (extras[e]);
  }
  g_remove (spectrum);
  g_free (spectrum);
}

static void
test_common_case_coverage (void)
{
  int count = 0;
  for (guint i = 0; i < GOLDEN_N_CASES; i++) {
    NbModel *m = load (golden_cases[i], "double");
    GError *error = NULL;
    NbBackend *b = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
        NB_PRECISION_FLOAT64, NULL, &error);
    g_assert_no_error (error);
    count += strcmp (b->kernel, "common-case kernel") == 0;
    nb_backend_free (b);
    nb_model_free (m);
  }
  g_test_message ("%d golden cases take the common-case kernel", count);
  g_assert_cmpint (count, >=, MIN_COMMON_CASE_COVERAGE);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  NbModel *probe;
  NbBackend *b;

  g_test_init (&argc, &argv, NULL);
  if (!nb_backend_have_cuda ()) {
    printf ("1..0 # SKIP built without CUDA\n");
    return 77;
  }
  probe = load ("mosflm_basic", "double");
  b = nb_backend_select (probe, NB_DEVICE_CUDA, 0, 0, NB_PRECISION_FLOAT64,
      NULL, &error);
  if (b == NULL) {
    printf ("1..0 # SKIP %s\n", error->message);
    g_error_free (error);
    nb_model_free (probe);
    return 77;
  }
  nb_backend_free (b);
  nb_model_free (probe);

  golden_add_case_tests ("/gpu/image", GOLDEN_N_CASES, test_case);
  golden_add_case_tests ("/gpu/trace", GOLDEN_N_CASES, test_trace);
  g_test_add_func ("/gpu/reference/phi_carryover_dmin",
      test_phi_carryover_dmin);
  g_test_add_func ("/gpu/reference/round_xtal_beam_centre",
      test_round_xtal_beam_centre);
  g_test_add_func ("/gpu/shapes-and-switch", test_shapes_and_switch);
  g_test_add_func ("/gpu/streaming", test_streaming);
  g_test_add_func ("/gpu/lend", test_lend);
  g_test_add_func ("/gpu/lend-limit", test_lend_limit);
  g_test_add_func ("/gpu/coverage/common-case", test_common_case_coverage);
  g_test_add_func ("/gpu/weighted-and-preset", test_weighted_and_preset);
  return g_test_run ();
}
