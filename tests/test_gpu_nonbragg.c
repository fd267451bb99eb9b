/* test_gpu_nonbragg.c - the amorphous background on the GPU
 * (cuda/nb_cuda_background.cu): float64 within 1e-9 relative of the CPU
 * and within 1e-6 of nonBragg's golden data on the three cases; through
 * the CUDA backend, the background kept on the device is added to every
 * frame before the readout (frames = frames without + background, counts
 * = the CPU readout of those photons).
 * Exits 77 (skipped) when this build has no CUDA or no GPU answers. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_backend_select.h"
#include "nb_cuda_background.h"
#include "nonbragg_cases.h"

static double *
cpu_background (const NbBackground * bg, const NbModel * m)
{
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  double *img = g_new (double, n);
  GError *error = NULL;

  g_assert_true (nb_background_render (bg, m, 0, img, NULL, &error));
  g_assert_no_error (error);
  return img;
}

static void
test_case (gconstpointer data)
{
  int c = GPOINTER_TO_INT (data);
  NbModel *m = engine_model (engine_flags[c]);
  NbBackground *bg = background_of (samples[c].stol, samples[c].thickness,
      samples[c].density, samples[c].mw);
  gsize n = case_pixels (cases[c]), bright;
  double *cpu = cpu_background (bg, m);
  double *gpu = g_new (double, n);
  float *gpu_f = g_new (float, n), *ref;
  gchar *ref_path = g_build_filename (data_dir (), cases[c], "float.bin",
      NULL);
  GError *error = NULL;
  double err;

  g_assert_true (nb_cuda_background_render (bg, m, 0, gpu, &error));
  g_assert_no_error (error);
  err = max_rel_error_d (gpu, cpu, n, &bright);
  printf ("# %s: GPU vs CPU float64 max relative error %.3g (%"
      G_GSIZE_FORMAT " pixels)\n", cases[c], err, bright);
  g_assert_cmpfloat (err, <=, 1e-9);
  for (gsize i = 0; i < n; i++) {
    if (cpu[i] == 0.0)
      g_assert_cmpfloat (gpu[i], ==, 0.0);
    gpu_f[i] = (float) gpu[i];
  }
  ref = golden_read_floats (ref_path, n);
  err = max_rel_error (gpu_f, ref, n, &bright);
  printf ("# %s: GPU vs nonBragg max relative error %.3g\n", cases[c], err);
  g_assert_cmpfloat (err, <=, 1e-6);
  g_free (ref);
  g_free (ref_path);
  g_free (cpu);
  g_free (gpu);
  g_free (gpu_f);
  nb_background_free (bg);
  nb_model_free (m);
}

static NbBackend *
cuda_backend (const NbModel * m)
{
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->ops->name, ==, "cuda");
  return b;
}

static float *
render_frame (NbBackend * b, gint64 frame, gsize bytes)
{
  float *img = g_malloc (bytes);
  GError *error = NULL;
  g_assert_true (nb_backend_render (b, frame, img, NULL, &error));
  g_assert_no_error (error);
  return img;
}

/* A Bragg case with air around it: the device keeps the background and
 * adds it to frames 0 and 3 before they leave, and before the readout. */
static void
test_backend_adds_background (void)
{
  NbModel *m = golden_load_case ("mosflm_basic", "-precision double");
  NbBackground *bg = background_of ("air.stol", 25, 1.2e-3, 28.8);
  NbBackend *b = cuda_backend (m);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  double *cpu = cpu_background (bg, m);
  float *kept = g_new (float, n);
  GError *error = NULL;
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (0);

  g_assert_true (nb_backend_render_background (b, bg, kept, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (kept[i] - cpu[i]), <=, 1e-6 * fabs (cpu[i]));
  for (gint64 f = 0; f < 4; f += 3) {
    float *with = render_frame (b, f, n * sizeof (float)), *plain;
    gint32 *counts = g_new (gint32, n), *want = g_new (gint32, n);
    g_assert_true (nb_backend_set_background (b, NULL, &error));
    plain = render_frame (b, f, n * sizeof (float));
    for (gsize i = 0; i < n; i++)
      g_assert_cmpfloat (with[i], ==, plain[i] + kept[i]);
    /* the readout on the device reads Bragg + background */
    g_assert_true (nb_backend_set_background (b, kept, &error));
    nb_readout_init_defaults (&r);
    r.poisson = TRUE;
    r.seed = 5;
    g_assert_true (nb_backend_set_readout (b, &r, NB_COUNTS_S32, &error));
    g_assert_no_error (error);
    g_assert_true (nb_backend_render (b, f, (float *) counts, NULL,
            &error));
    nb_readout_frame (w, &r, &m->det, (guint32) f, with, NB_COUNTS_S32,
        want, NULL);
    g_assert_cmpmem (counts, n * 4, want, n * 4);
    g_assert_true (nb_backend_set_readout (b, NULL, NB_COUNTS_S32, &error));
    g_free (with);
    g_free (plain);
    g_free (counts);
    g_free (want);
  }
  nb_readout_work_free (w);
  g_free (kept);
  g_free (cpu);
  nb_backend_free (b);
  nb_background_free (bg);
  nb_model_free (m);
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
  probe = engine_model (engine_flags[1]);
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
  for (int c = 0; c < NONBRAGG_N_CASES; c++) {
    gchar *name = g_strdup_printf ("/gpu-nonbragg/%s", cases[c]);
    g_test_add_data_func (name, GINT_TO_POINTER (c), test_case);
    g_free (name);
  }
  g_test_add_func ("/gpu-nonbragg/backend-adds-background",
      test_backend_adds_background);
  return g_test_run ();
}
