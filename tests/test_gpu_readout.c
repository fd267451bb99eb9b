/* test_gpu_readout.c - the CUDA readout gives the CPU readout's counts bit
 * for bit: on every golden case's photons (rendered by the CPU engine)
 * with Poisson and read noise, a calibration error and a PSF, in 32- and
 * 16-bit counts, and on synthetic frames whose means cover every Poisson
 * regime (inversion, rejection, huge); and the CUDA backend reading out on
 * the device right after its render (streamed, fetched and lent) gives
 * the CPU backend's counts; so does one GPU listed twice (a fan-out).
 * Skips (77) without a GPU. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_backend_select.h"
#include "nb_cuda_readout.h"

static NbCudaReadout *gpu;

static void
full_readout (NbReadout * r, guint64 seed)
{
  nb_readout_init_defaults (r);
  r->poisson = TRUE;
  r->gain = 1.3;
  r->adc_offset = 10;
  r->read_noise = 2.5;
  r->calibration_error = 0.03;
  r->calibration_seed = 11;
  r->psf_fwhm = 1.4;
  r->cutoff = 1048500;          /* a Pilatus count cutoff */
  r->seed = seed;
}

static void
compare (const NbReadout * r, const NbDetector * d, guint32 frame,
    const float *photons, NbCountsFormat format)
{
  gsize n = (gsize) d->fpixels * d->spixels, differ = 0;
  gsize bytes = n * (format == NB_COUNTS_S32 ? 4 : 2);
  guint8 *cpu = g_malloc (bytes), *dev = g_malloc (bytes);
  NbReadoutWork *w = nb_readout_work_new (0);
  GError *error = NULL;

  nb_readout_frame (w, r, d, frame, photons, format, cpu, NULL);
  g_assert_true (nb_cuda_readout_frame (gpu, r, d, frame, photons, format,
          dev, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    differ += format == NB_COUNTS_S32
        ? ((gint32 *) cpu)[i] != ((gint32 *) dev)[i]
        : ((guint16 *) cpu)[i] != ((guint16 *) dev)[i];
  if (differ)
    g_test_message ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
        " pixels differ", differ, n);
  g_assert_cmpuint (differ, ==, 0);
  nb_readout_work_free (w);
  g_free (cpu);
  g_free (dev);
}

static void
test_golden_case (gconstpointer data)
{
  const char *c = data;
  NbModel *m = golden_load_case (c, NULL);
  GError *error = NULL;
  NbBackend *b = nb_backend_select (m, NB_DEVICE_CPU, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  float *photons = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  NbReadout r;

  g_assert_no_error (error);
  g_assert_true (nb_backend_render (b, 0, photons, NULL, &error));
  g_assert_no_error (error);
  full_readout (&r, 20261202);
  compare (&r, &m->det, 0, photons, NB_COUNTS_S32);
  compare (&r, &m->det, 5, photons, NB_COUNTS_U16);
  r.psf_fwhm = 0;
  compare (&r, &m->det, 1, photons, NB_COUNTS_S32);
  g_free (photons);
  nb_backend_free (b);
  nb_model_free (m);
}

/* means from 1e-3 to 1e12 photons, log-spaced along the frame */
static void
test_every_poisson_regime (void)
{
  NbDetector d;
  gsize n = 1024 * 1024;
  float *photons = g_new (float, n);
  NbReadout r;

  d = golden_plain_detector (1024, 1024);
  for (gsize i = 0; i < n; i++)
    photons[i] = (float) pow (10.0, -3.0 + 15.0 * i / n);
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.seed = 7;
  compare (&r, &d, 0, photons, NB_COUNTS_S32);
  compare (&r, &d, 9, photons, NB_COUNTS_S32);
  r.gain = 1e-4;                /* so that huge means stay below the cutoff */
  r.read_noise = 0.7;
  compare (&r, &d, 2, photons, NB_COUNTS_S32);
  g_free (photons);
}

/* @b's frames @first, @first + stride, ... (@count of them, the stride
 * @b was given: nb_backend_set_frame_stride) as the element or an MPI
 * rank takes them: submitted ahead, then lent where the backend lends
 * (else fetched). */
static guint8 *
stream_counts (NbBackend * b, gint64 first, int count, gboolean lend)
{
  gsize bytes = (gsize) b->model->det.fpixels * b->model->det.spixels
      * nb_backend_pixel_bytes (b);
  guint8 *out = g_malloc (bytes * count);
  gint64 stride = nb_backend_frame_stride (b);
  GError *error = NULL;

  for (int i = 0; i < count; i++) {
    gint64 f = first + i * stride;
    NbLentFrame *lent = NULL;
    g_assert_true (nb_backend_submit_ahead (b, f, first + count * stride,
            &error));
    g_assert_no_error (error);
    if (lend && nb_backend_can_lend (b))
      lent = nb_backend_lend (b, f, NULL, &error);
    g_assert_no_error (error);
    if (lent != NULL) {
      memcpy (out + bytes * i, lent->image, bytes);
      nb_lent_frame_release (lent);
    } else {
      g_assert_true (nb_backend_fetch (b, f, (float *) (out + bytes * i),
              NULL, &error));
      g_assert_no_error (error);
    }
  }
  return out;
}

static void
test_backend_readout (gconstpointer data)
{
  const char *c = data;
  NbModel *m = golden_load_case (c, NULL);
  GError *error = NULL;
  NbBackend *cpu = nb_backend_select (m, NB_DEVICE_CPU, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  NbBackend *dev = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  NbReadout r;
  const int frames = 4;

  g_assert_no_error (error);
  full_readout (&r, 99);
  for (int format = NB_COUNTS_S32; format <= NB_COUNTS_U16; format++) {
    guint8 *want, *got, *lent;
    gsize bytes;
    g_assert_true (nb_backend_set_readout (cpu, &r, format, &error));
    g_assert_true (nb_backend_set_readout (dev, &r, format, &error));
    g_assert_no_error (error);
    bytes = n * nb_backend_pixel_bytes (dev) * frames;
    want = stream_counts (cpu, 0, frames, FALSE);
    got = stream_counts (dev, 0, frames, FALSE);
    lent = stream_counts (dev, 0, frames, TRUE);
    g_assert_cmpmem (got, bytes, want, bytes);
    g_assert_cmpmem (lent, bytes, want, bytes);
    g_free (want);
    g_free (got);
    g_free (lent);
  }
  nb_backend_free (cpu);
  nb_backend_free (dev);
  nb_model_free (m);
}

/* One GPU listed two and three times ("0,0", "0,0,0"): several backends
 * on it, frames fanned out and taken in order, lent and copied: the
 * single backend's photons and the CPU's counts, bit for bit; and so
 * every 2nd frame from 1, as rank 1 of 2 takes them (a frame stride: 3
 * members with 3 slots each would otherwise queue a member's frames in
 * one slot). */
static void
test_fanout_same_gpu_twice (gconstpointer data)
{
  const char *c = data;
  NbModel *m = golden_load_case (c, NULL);
  GError *error = NULL;
  NbBackend *one = nb_backend_select (m, NB_DEVICE_CUDA, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  NbBackend *cpu = nb_backend_select (m, NB_DEVICE_CPU, 0, 0,
      NB_PRECISION_FLOAT64, NULL, &error);
  gsize bytes = (gsize) m->det.fpixels * m->det.spixels * 4 * 7;
  const char *lists[] = { "0,0", "0,0,0" };
  guint8 *want, *want_rank1, *got, *lent;
  NbReadout r;

  g_assert_no_error (error);
  want = stream_counts (one, 0, 7, FALSE);
  nb_backend_set_frame_stride (one, 2);
  want_rank1 = stream_counts (one, 1, 7, FALSE);
  /* frames 1, 3, 5 of both runs */
  for (int i = 0; i < 3; i++)
    g_assert_cmpmem (want_rank1 + bytes / 7 * i, bytes / 7,
        want + bytes / 7 * (2 * i + 1), bytes / 7);
  for (int l = 0; l < 2; l++) {
    NbBackend *many = nb_backend_select_gpus (m, NB_DEVICE_CUDA, lists[l],
        0, NB_PRECISION_FLOAT64, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (many->ops->name, ==, "fanout");
    g_assert_cmpint (nb_backend_queue_depth (many), ==,
        (l + 2) * nb_backend_queue_depth (one));
    got = stream_counts (many, 0, 7, FALSE);
    lent = stream_counts (many, 0, 7, TRUE);
    g_assert_cmpmem (got, bytes, want, bytes);
    g_assert_cmpmem (lent, bytes, want, bytes);
    g_free (got);
    g_free (lent);
    nb_backend_set_frame_stride (many, 2);
    lent = stream_counts (many, 1, 7, TRUE);
    g_assert_cmpmem (lent, bytes, want_rank1, bytes);
    g_free (lent);
    nb_backend_free (many);
  }
  g_free (want);
  g_free (want_rank1);
  full_readout (&r, 5);
  {
    NbBackend *two = nb_backend_select_gpus (m, NB_DEVICE_CUDA, "0,0", 0,
        NB_PRECISION_FLOAT64, NULL, &error);
    g_assert_true (nb_backend_set_readout (cpu, &r, NB_COUNTS_S32, &error));
    g_assert_true (nb_backend_set_readout (two, &r, NB_COUNTS_S32, &error));
    g_assert_no_error (error);
    want = stream_counts (cpu, 0, 7, FALSE);
    lent = stream_counts (two, 0, 7, TRUE);
    g_assert_cmpmem (lent, bytes, want, bytes);
    g_free (want);
    g_free (lent);
    nb_backend_free (two);
  }
  nb_backend_free (one);
  nb_backend_free (cpu);
  nb_model_free (m);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!nb_backend_have_cuda ()) {
    printf ("1..0 # SKIP built without CUDA\n");
    return 77;
  }
  gpu = nb_cuda_readout_new (0, &error);
  if (gpu == NULL) {
    printf ("1..0 # SKIP %s\n", error->message);
    g_error_free (error);
    return 77;
  }
  golden_add_case_tests ("/gpu-readout/golden", GOLDEN_N_CASES,
      test_golden_case);
  g_test_add_func ("/gpu-readout/poisson-regimes", test_every_poisson_regime);
  golden_add_case_tests ("/gpu-readout/backend", GOLDEN_N_CASES,
      test_backend_readout);
  golden_add_case_tests ("/gpu-readout/fanout-same-gpu-twice", 3,
      test_fanout_same_gpu_twice);
  status = g_test_run ();
  nb_cuda_readout_free (gpu);
  return status;
}
