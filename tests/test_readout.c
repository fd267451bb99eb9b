/* test_readout.c - the CPU readout: counts against an independent
 * evaluation of the formula, noise statistics, the static calibration
 * map, the PSF's width and photon count, saturation, masked pixels,
 * thread-count independence and the errors for bad values. */
#include "golden_compare.h"
#include "nb_readout.h"
#include "nb_error.h"

#include <math.h>
#include <string.h>

static float *
constant_frame (const NbDetector * d, float photons)
{
  gsize n = (gsize) d->fpixels * d->spixels;
  float *f = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    f[i] = photons;
  return f;
}

static void
test_noiseless_counts (void)
{
  NbDetector d = golden_plain_detector (37, 23);
  gsize n = 37 * 23;
  float *photons = g_new (float, n);
  gint32 *counts = g_new (gint32, n);
  guint16 *counts16 = g_new (guint16, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (3);
  NbReadoutStats st;

  nb_readout_init_defaults (&r);
  r.gain = 2.5;
  r.adc_offset = 40;
  for (gsize i = 0; i < n; i++)
    photons[i] = (float) (i * 0.37);
  photons[5] = 1e6f;            /* 2.5e6 + 40 counts: above 65535 */
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, counts, &st);
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_U16, counts16, NULL);
  for (gsize i = 0; i < n; i++) {
    double want = floor ((double) photons[i] * 2.5 + 40 + 0.5);
    g_assert_cmpint (counts[i], ==, (gint32) want);
    g_assert_cmpint (counts16[i], ==, (guint16) MIN (want, 65535));
  }
  g_assert_cmpint (st.masked, ==, 0);
  g_assert_cmpint (st.overloads, ==, 0);
  nb_readout_work_free (w);
  g_free (photons);
  g_free (counts);
  g_free (counts16);
}

static void
moments_s32 (const gint32 * c, gsize n, double *mean, double *var)
{
  double s = 0, s2 = 0;
  for (gsize i = 0; i < n; i++) {
    s += c[i];
    s2 += (double) c[i] * c[i];
  }
  *mean = s / n;
  *var = s2 / n - *mean * *mean;
}

static void
test_poisson_and_read_noise (void)
{
  NbDetector d = golden_plain_detector (512, 512);
  gsize n = 512 * 512;
  float *photons = constant_frame (&d, 30.0f);
  gint32 *c = g_new (gint32, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (0);
  double mean, var;

  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.gain = 2.0;
  r.seed = 99;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, c, NULL);
  moments_s32 (c, n, &mean, &var);
  /* gain 2: mean 60, variance 4 x 30 */
  g_assert_cmpfloat (fabs (mean - 60), <, 5 * sqrt (120.0 / n));
  g_assert_cmpfloat (fabs (var - 120), <, 5 * 120 * sqrt (2.0 / n));
  for (gsize i = 0; i < n; i++)
    g_assert_cmpint (c[i] % 2, ==, 0);

  /* no photons: the offset plus read noise of sigma 3 counts */
  memset (photons, 0, n * sizeof (float));
  r.adc_offset = 100;
  r.read_noise = 3.0;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, c, NULL);
  moments_s32 (c, n, &mean, &var);
  /* rounding to whole counts adds 1/12 to the variance */
  g_assert_cmpfloat (fabs (mean - 100), <, 5 * sqrt (9.0 / n));
  g_assert_cmpfloat (fabs (var - (9 + 1.0 / 12)), <, 5 * 9 * sqrt (2.0 / n));
  nb_readout_work_free (w);
  g_free (photons);
  g_free (c);
}

static void
test_frames_and_seeds_differ (void)
{
  NbDetector d = golden_plain_detector (64, 64);
  gsize n = 64 * 64;
  float *photons = constant_frame (&d, 500.0f);
  gint32 *a = g_new (gint32, n), *b = g_new (gint32, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (2);
  gsize same = 0;

  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, a, NULL);
  nb_readout_frame (w, &r, &d, 1, photons, NB_COUNTS_S32, b, NULL);
  for (gsize i = 0; i < n; i++)
    same += a[i] == b[i];
  /* two Poisson(500) draws agree with probability ~1.3 % */
  g_assert_cmpuint (same, <, n / 20);
  r.seed = 2;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, b, NULL);
  same = 0;
  for (gsize i = 0; i < n; i++)
    same += a[i] == b[i];
  g_assert_cmpuint (same, <, n / 20);
  nb_readout_work_free (w);
  g_free (photons);
  g_free (a);
  g_free (b);
}

static void
test_calibration_map_is_static (void)
{
  NbDetector d = golden_plain_detector (256, 256);
  gsize n = 256 * 256;
  float *photons = constant_frame (&d, 10000.0f);
  gint32 *a = g_new (gint32, n), *b = g_new (gint32, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (2);
  double mean, var;
  gsize same = 0;

  nb_readout_init_defaults (&r);
  r.calibration_error = 0.02;
  r.calibration_seed = 5;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, a, NULL);
  nb_readout_frame (w, &r, &d, 7, photons, NB_COUNTS_S32, b, NULL);
  g_assert_cmpmem (a, n * sizeof (gint32), b, n * sizeof (gint32));
  moments_s32 (a, n, &mean, &var);
  /* 2 % of 10000 counts: sigma 200 */
  g_assert_cmpfloat (fabs (mean - 10000), <, 5 * 200 / sqrt (n));
  g_assert_cmpfloat (fabs (sqrt (var) - 200), <, 5 * 200 / sqrt (2.0 * n));
  r.calibration_seed = 6;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, b, NULL);
  for (gsize i = 0; i < n; i++)
    same += a[i] == b[i];
  g_assert_cmpuint (same, <, n / 50);
  nb_readout_work_free (w);
  g_free (photons);
  g_free (a);
  g_free (b);
}

static void
test_psf_width_and_photons (void)
{
  NbDetector d = golden_plain_detector (101, 81);
  gsize n = 101 * 81;
  float *photons = constant_frame (&d, 0.0f);
  gint32 *c = g_new (gint32, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (4);
  double total = 0, second_moment = 0;
  const int cf = 50, cs = 40;

  nb_readout_init_defaults (&r);
  r.psf_fwhm = 3.0;
  photons[cs * 101 + cf] = 1e7f;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, c, NULL);
  for (int s = 0; s < 81; s++)
    for (int f = 0; f < 101; f++) {
      double v = c[s * 101 + f];
      total += v;
      second_moment += v * (f - cf) * (f - cf);
      /* symmetric in both axes */
      g_assert_cmpint (c[s * 101 + f], ==, c[s * 101 + (2 * cf - f)]);
      if (2 * cs - s >= 0 && 2 * cs - s < 81)
        g_assert_cmpint (c[s * 101 + f], ==, c[(2 * cs - s) * 101 + f]);
    }
  /* the photons stay (but for the tails beyond 4 sigma and rounding) */
  g_assert_cmpfloat (fabs (total - 1e7) / 1e7, <, 2e-4);
  /* pixel integration adds 1/12 px^2 to the Gaussian's variance */
  {
    double sigma = 3.0 / 2.3548200450309493;
    double want = sigma * sigma + 1.0 / 12;
    g_assert_cmpfloat (fabs (second_moment / total - want) / want, <, 2e-3);
  }
  nb_readout_work_free (w);
  g_free (photons);
  g_free (c);
}

static void
test_saturation_and_mask (void)
{
  NbDetector d = golden_plain_detector (20, 10);
  gsize n = 200;
  float *photons = constant_frame (&d, 50.0f);
  gint32 *c = g_new (gint32, n);
  guint16 *c16 = g_new (guint16, n);
  NbReadout r;
  NbReadoutWork *w = nb_readout_work_new (2);
  NbReadoutStats st;

  d.roi_xmin = 2;               /* columns 0 and 1 are masked */
  d.mask = g_new (guint16, n);
  for (gsize i = 0; i < n; i++)
    d.mask[i] = i != 55;        /* and one pixel by the mask */
  nb_readout_init_defaults (&r);
  r.cutoff = 1000;
  photons[105] = 5000;
  photons[106] = 999;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_S32, c, &st);
  g_assert_cmpint (c[105], ==, 1000);
  g_assert_cmpint (c[106], ==, 999);
  g_assert_cmpint (c[55], ==, -1);
  g_assert_cmpint (c[20], ==, -1);
  g_assert_cmpint (c[21], ==, -1);
  g_assert_cmpint (c[22], ==, 50);
  g_assert_cmpint (st.overloads, ==, 1);
  g_assert_cmpint (st.masked, ==, 2 * 10 + 1);
  r.masked_value = 7;
  nb_readout_frame (w, &r, &d, 0, photons, NB_COUNTS_U16, c16, NULL);
  g_assert_cmpint (c16[55], ==, 7);
  g_assert_cmpint (c16[105], ==, 1000);
  g_free (d.mask);
  nb_readout_work_free (w);
  g_free (photons);
  g_free (c);
  g_free (c16);
}

/* Everything on at once: the counts are the same bits on 1 and on 13
 * threads. */
static void
test_thread_count_independence (void)
{
  NbDetector d = golden_plain_detector (300, 211);
  gsize n = 300 * 211;
  float *photons = g_new (float, n);
  gint32 *a = g_new (gint32, n), *b = g_new (gint32, n);
  NbReadout r;
  NbReadoutWork *w1 = nb_readout_work_new (1), *w13 = nb_readout_work_new (13);

  for (gsize i = 0; i < n; i++)
    photons[i] = (float) (1e-3 * (i % 977) * (i % 131));
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.read_noise = 1.5;
  r.calibration_error = 0.01;
  r.psf_fwhm = 1.2;
  r.adc_offset = 10;
  r.gain = 1.7;
  r.seed = 424242;
  nb_readout_frame (w1, &r, &d, 3, photons, NB_COUNTS_S32, a, NULL);
  nb_readout_frame (w13, &r, &d, 3, photons, NB_COUNTS_S32, b, NULL);
  g_assert_cmpmem (a, n * sizeof (gint32), b, n * sizeof (gint32));
  nb_readout_work_free (w1);
  nb_readout_work_free (w13);
  g_free (photons);
  g_free (a);
  g_free (b);
}

/* The batched shared blocks (AVX2 where the CPU has it) give each pixel
 * the stream nb_crng_init gives it, also where the pair index's low word
 * wraps. */
static void
test_shared_blocks_match_scalar (void)
{
  static const uint64_t pairs[] = { 0, 12345, G_MAXUINT32 - 5,
    (G_GUINT64_CONSTANT (7) << 32) - 100
  };
  uint32_t blocks[101][4];

  for (gsize t = 0; t < G_N_ELEMENTS (pairs); t++) {
    nb_readout_shared_blocks (987654321987ULL, 17, pairs[t], 101,
        NB_CRNG_POISSON, blocks);
    for (int i = 0; i < 202; i++) {
      uint64_t pixel = 2 * pairs[t] + i;
      NbCrng a, b;
      nb_crng_init (&a, 987654321987ULL, 17, pixel, NB_CRNG_POISSON);
      nb_crng_init_with_block (&b, 987654321987ULL, 17, pixel,
          NB_CRNG_POISSON, blocks[i / 2]);
      for (int j = 0; j < 10; j++)
        g_assert_cmphex (nb_crng_u32 (&a), ==, nb_crng_u32 (&b));
    }
  }
}

/* The frame readout (shared blocks, the 8-lane dim test, the inline dim
 * path, the 8-lane noiseless conversion) gives every pixel what the plain
 * per-pixel function gives it: odd widths, a ROI cutting through the
 * 8-pixel groups, dim, medium and bright pixels, with read noise (the
 * per-pixel path only), and noiseless with NaN, negative and saturating
 * photons. */
static void
test_frame_equals_per_pixel (void)
{
  NbDetector d = golden_plain_detector (301, 67);
  gsize n = 301 * 67;
  float *photons = g_new (float, n);
  gint32 *got = g_new (gint32, n);
  NbReadoutWork *w = nb_readout_work_new (3);
  NbReadout r;

  for (gsize i = 0; i < n; i++) {
    guint32 h = (guint32) (i * 2654435761u);
    photons[i] = h % 10 < 7 ? (h >> 8) % 1000 * 1e-5f        /* dim */
        : h % 10 < 9 ? (h >> 8) % 1000 * 1e-2f  /* 0 .. 10 */
        : (h >> 8) % 1000 * 50.0f;      /* bright */
  }
  d.roi_xmin = 3;
  d.roi_xmax = 290;
  d.roi_ymin = 1;
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.adc_offset = 7.4;
  r.gain = 1.5;
  r.seed = 555;
  for (int pass = 0; pass < 4; pass++) {
    /* Poisson; with read noise; noiseless; noiseless with NaN, negative
     * and saturating photons */
    r.read_noise = pass == 1 ? 0.9 : 0.0;
    r.poisson = pass < 2;
    if (pass == 3) {
      r.cutoff = 3000;
      photons[400] = NAN;
      photons[401] = -5.0f;
      photons[402] = 1e9f;
      photons[403] = 2000.0f;
    }
    nb_readout_frame (w, &r, &d, 4, photons, NB_COUNTS_S32, got, NULL);
    for (int s = 0; s < 67; s++)
      for (int f = 0; f < 301; f++) {
        gsize i = (gsize) s * 301 + f;
        gint32 want = nb_pixel_skipped (&d, f, s) ? -1
            : (gint32) nb_readout_counts (&r, 4, i, photons[i]);
        if (got[i] != want)
          g_error ("pass %d pixel (%d, %d): %d, per pixel %d", pass, f, s,
              got[i], want);
      }
  }
  nb_readout_work_free (w);
  g_free (photons);
  g_free (got);
}

static void
expect_error (const NbReadout * r, const char *name)
{
  GError *error = NULL;
  g_assert_false (nb_readout_check (r, NULL, &error));
  g_assert_error (error, NB_ERROR, NB_ERROR_VALUE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, name));
  g_error_free (error);
}

static void
test_bad_values (void)
{
  NbReadout r;
  GError *error = NULL;
  static const char *const cli_names[NB_READOUT_N_FIELDS] = {
    "-gain", "-adc", "-readout_noise", "-calibration_error", "-psf_fwhm",
    "-cutoff"
  };

  nb_readout_init_defaults (&r);
  g_assert_true (nb_readout_check (&r, NULL, &error));
  g_assert_no_error (error);
  r.gain = -1;
  expect_error (&r, "gain");
  r.gain = 0;
  expect_error (&r, "gain");
  r.gain = NAN;
  expect_error (&r, "gain");
  nb_readout_init_defaults (&r);
  r.psf_fwhm = -0.5;
  expect_error (&r, "psf-fwhm");
  r.psf_fwhm = 1000;
  expect_error (&r, "psf-fwhm");
  nb_readout_init_defaults (&r);
  r.read_noise = -2;
  expect_error (&r, "read-noise");
  nb_readout_init_defaults (&r);
  r.calibration_error = -0.1;
  expect_error (&r, "calibration-error");
  nb_readout_init_defaults (&r);
  r.adc_offset = 50;
  r.cutoff = 40;
  expect_error (&r, "count-cutoff");
  r.cutoff = 100.5;
  expect_error (&r, "count-cutoff");
  r.cutoff = 3e9;
  expect_error (&r, "count-cutoff");
  /* the CLI's own names */
  r.cutoff = 40;
  g_assert_false (nb_readout_check (&r, cli_names, &error));
  g_assert_nonnull (strstr (error->message, "-cutoff"));
  g_assert_nonnull (strstr (error->message, "-adc"));
  g_clear_error (&error);
}

/* The CPU backend reading out after its render: the same counts as the
 * photons it renders read out by hand; off again, photons again. */
static void
test_backend_host_readout (void)
{
  NbModel *m = golden_load_case ("mosflm_basic", NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  GError *error = NULL;
  NbBackend *b = nb_backend_cpu_new (m, 0, NB_PRECISION_FLOAT64, &error);
  float *photons = g_new (float, n), *again = g_new (float, n);
  gint32 *want = g_new (gint32, n), *got = g_new (gint32, n);
  guint16 *want16 = g_new (guint16, n), *got16 = g_new (guint16, n);
  NbReadoutWork *w = nb_readout_work_new (1);
  NbReadout r;

  g_assert_no_error (error);
  g_assert_true (nb_backend_render (b, 2, photons, NULL, &error));
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.read_noise = 1.0;
  r.psf_fwhm = 0.8;
  r.seed = 31;
  nb_readout_frame (w, &r, &m->det, 2, photons, NB_COUNTS_S32, want, NULL);
  nb_readout_frame (w, &r, &m->det, 2, photons, NB_COUNTS_U16, want16, NULL);

  g_assert_true (nb_backend_set_readout (b, &r, NB_COUNTS_S32, &error));
  g_assert_cmpuint (nb_backend_pixel_bytes (b), ==, 4);
  g_assert_true (nb_backend_render (b, 2, (float *) got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got, n * 4, want, n * 4);
  g_assert_true (nb_backend_set_readout (b, &r, NB_COUNTS_U16, &error));
  g_assert_cmpuint (nb_backend_pixel_bytes (b), ==, 2);
  g_assert_true (nb_backend_fetch (b, 2, (float *) got16, NULL, &error));
  g_assert_cmpmem (got16, n * 2, want16, n * 2);

  g_assert_true (nb_backend_set_readout (b, NULL, NB_COUNTS_S32, &error));
  g_assert_cmpuint (nb_backend_pixel_bytes (b), ==, 4);
  g_assert_true (nb_backend_render (b, 2, again, NULL, &error));
  g_assert_cmpmem (again, n * 4, photons, n * 4);

  /* a bad readout is refused, naming the parameter, and changes nothing */
  g_assert_true (nb_backend_set_readout (b, &r, NB_COUNTS_S32, &error));
  r.gain = -2;
  g_assert_false (nb_backend_set_readout (b, &r, NB_COUNTS_S32, &error));
  g_assert_error (error, NB_ERROR, NB_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "gain"));
  g_clear_error (&error);
  g_assert_true (b->reads_out);
  g_assert_true (nb_backend_render (b, 2, (float *) got, NULL, &error));
  g_assert_cmpmem (got, n * 4, want, n * 4);

  nb_readout_work_free (w);
  nb_backend_free (b);
  nb_model_free (m);
  g_free (photons);
  g_free (again);
  g_free (want);
  g_free (got);
  g_free (want16);
  g_free (got16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/readout/noiseless", test_noiseless_counts);
  g_test_add_func ("/readout/poisson-read-noise", test_poisson_and_read_noise);
  g_test_add_func ("/readout/frames-seeds", test_frames_and_seeds_differ);
  g_test_add_func ("/readout/calibration", test_calibration_map_is_static);
  g_test_add_func ("/readout/psf", test_psf_width_and_photons);
  g_test_add_func ("/readout/saturation-mask", test_saturation_and_mask);
  g_test_add_func ("/readout/threads", test_thread_count_independence);
  g_test_add_func ("/readout/shared-blocks", test_shared_blocks_match_scalar);
  g_test_add_func ("/readout/frame-equals-per-pixel",
      test_frame_equals_per_pixel);
  g_test_add_func ("/readout/bad-values", test_bad_values);
  g_test_add_func ("/readout/backend-host", test_backend_host_readout);
  return g_test_run ();
}
