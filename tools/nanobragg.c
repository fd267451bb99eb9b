/* nanobragg - drop-in command line for nanoBragg.c users.
 *
 * Same flags and output files as nanoBragg.c (see docs/cli.md for the few
 * deliberate differences: strict flag matching, errors instead of silent
 * defaults, atomic file writes).  Exit status: 0 ok, 1 runtime failure,
 * 2 bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nb_args.h"
#include "nb_cbf.h"
#ifdef NB_HAVE_NXS
#include "nb_nxs.h"
#endif
#include "nb_backend_select.h"
#include "nb_error.h"
#include "nb_image.h"
#include "nb_render.h"
#include "report.h"

static int
fail (const char *what, GError * error, int status)
{
  fprintf (stderr, "nanobragg: %s%s%s\n", what ? what : "",
      what ? ": " : "", error ? error->message : "failed");
  g_clear_error (&error);
  return status;
}

/* Refuses up front to render into a directory we cannot write. */
static gboolean
check_writable (const char *flag, const char *path, GError ** error)
{
  gchar *dir = g_path_get_dirname (path);
  gboolean ok = access (dir, W_OK) == 0;

  if (!ok)
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "%s: cannot write %s: %s", flag, path, g_strerror (errno));
  else if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    ok = FALSE;
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "%s: %s is a directory", flag, path);
  }
  g_free (dir);
  return ok;
}

/* The -noisefile of -noise_rng counter: the engine's readout of frame 0
 * (a CLI run is one frame) on the photons already rendered.  On the host:
 * the CLI needs the photons here anyway (-floatfile, -intfile, the
 * statistics), and the counts are the bits a device readout would give
 * (nb_readout_pixel.h), so a second, device-side render would only cost. */
static void
counter_noise_image (const NbModel * m, const NbReadout * readout,
    int threads, const float *image, guint16 * counts)
{
  NbReadoutWork *work = nb_readout_work_new (threads);
  NbReadoutStats st;

  nb_readout_frame (work, readout, &m->det, 0, image, NB_COUNTS_U16, counts,
      &st);
  nb_readout_work_free (work);
  printf ("%.0f counts on noise image (counter readout, frame 0; %"
      G_GINT64_FORMAT " overloads, %" G_GINT64_FORMAT " masked pixels)\n",
      st.total, st.overloads, st.masked);
}

/* Takes "FLAG NAME" for @flag (the last one wins, as for nanoBragg's file
 * flags) off @argv, which keeps the other flags in order; the engine's
 * flag parser refuses -cbffile and -nxsfile, which only the CLI writes. */
static gboolean
take_file_flag (int *argc, char **argv, const char *flag, char **file,
    GError ** error)
{
  int out = 1;

  for (int i = 1; i < *argc; i++) {
    if (strcmp (argv[i], flag) != 0) {
      argv[out++] = argv[i];
      continue;
    }
    if (i + 1 >= *argc) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "%s: needs 1 value (a file name)", flag);
      return FALSE;
    }
    *file = argv[++i];
  }
  *argc = out;
  return TRUE;
}

/* The readout of -cbffile and -nxsfile: with noise (the default) nanoBragg's noise
 * image in 32 bits, i.e. 1 count per photon, Poisson, the counter
 * generator keyed by -seed (with -noise_rng counter the same counts as the
 * -noisefile, up to its 16-bit clip); with -nonoise the -intfile's counts
 * in 32 bits (@scale counts per photon plus -adc, no noise).  Cutoff and
 * masked value: -count_cutoff, -masked_value, else 2^31 - 1 and -1. */
static void
cbf_readout (const NbParams * p, double scale, NbReadout * r)
{
  nb_readout_from_params (p, p->calculate_noise ? 1.0 : scale,
      NB_COUNTS_S32, r);
  r->poisson = p->calculate_noise;
}

/* Names of the readout values in errors about -cbffile's readout (and
 * -nxsfile's, the same). */
static const char *const cbf_readout_names[NB_READOUT_N_FIELDS] = {
  [NB_READOUT_FIELD_GAIN] = "-scale",
  [NB_READOUT_FIELD_ADC_OFFSET] = "-adc",
  [NB_READOUT_FIELD_READ_NOISE] = "-readout_noise",
  [NB_READOUT_FIELD_CALIBRATION_ERROR] = "-calibration_error",
  [NB_READOUT_FIELD_PSF_FWHM] = "-psf_fwhm",
  [NB_READOUT_FIELD_CUTOFF] = "-count_cutoff",
};

/* The CBF header of frame 0 of @m. */
static void
cbf_header (const NbModel * m, const NbParams * p, const NbReadout * r,
    NbCbfHeader * h)
{
  const NbDetector *d = &m->det;
  NbSmvHeader smv;

  nb_image_smv_header (m, p->phi, &smv);
  nb_cbf_header_init (h);
  h->width = d->fpixels;
  h->height = d->spixels;
  h->pixel_size = smv.pixel_size;
  h->thickness = d->thick * 1000.0;
  h->exposure_time = h->exposure_period = p->exposure;
  h->count_cutoff = r->cutoff;
  h->undefined_value = (gint32) r->masked_value;
  h->wavelength = smv.wavelength;
  h->start_angle = smv.phi;
  h->angle_increment = smv.osc_range;
  h->twotheta = smv.twotheta;
  memcpy (h->pix0, d->pix0, sizeof (h->pix0));
  memcpy (h->fdet, d->fdet, sizeof (h->fdet));
  memcpy (h->sdet, d->sdet, sizeof (h->sdet));
  memcpy (h->beam, d->beam, sizeof (h->beam));
  memcpy (h->spindle, d->spindle, sizeof (h->spindle));
}

/* Reads out frame 0 as the 32-bit counts of -cbffile and -nxsfile (g_free;
 * NULL with @error); *@r receives the readout. */
static gint32 *
file_counts (const NbModel * m, const NbParams * p, double scale,
    const float *image, NbReadout * r, GError ** error)
{
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  gint32 *counts = g_try_new (gint32, npix);
  NbReadoutWork *work;
  NbReadoutStats st;

  if (counts == NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "cannot allocate the "
        "counts");
    return NULL;
  }
  cbf_readout (p, scale, r);
  work = nb_readout_work_new (p->num_threads);
  nb_readout_frame (work, r, &m->det, 0, image, NB_COUNTS_S32, counts, &st);
  nb_readout_work_free (work);
  printf ("%.0f counts in 32-bit image (%s, %g counts/photon; %"
      G_GINT64_FORMAT " overloads, %" G_GINT64_FORMAT " masked pixels)\n",
      st.total, r->poisson ? "Poisson, counter generator" : "no noise",
      r->gain, st.overloads, st.masked);
  return counts;
}

static gboolean
write_cbf (const char *path, const NbModel * m, const NbParams * p,
    const NbReadout * r, const gint32 * counts, GError ** error)
{
  NbCbfHeader h;

  cbf_header (m, p, r, &h);
  printf ("writing %s as CBF (32-bit counts, byte offset)\n", path);
  return nb_cbf_write (path, &h, counts, NB_CBF_PIXELS_S32,
      (guint) g_get_num_processors (), error);
}

#ifdef NB_HAVE_NXS
/* -nxsfile: one NXmx file of frame 0, chunks compressed @compression. */
static gboolean
write_nxs (const char *path, NbNxsCompression compression,
    const NbModel * m, const NbParams * p, const NbReadout * r,
    const gint32 * counts, GError ** error)
{
  NbCbfHeader h;
  NbNxsSeries s;
  NbNxsWriter *w;
  NbWorkers *pool;
  gboolean ok;

  cbf_header (m, p, r, &h);
  nb_nxs_series_from_cbf (&s, &h);
  s.compression = compression;
  printf ("writing %s as NeXus/NXmx (32-bit counts, %s)\n", path,
      nb_nxs_compression_name (s.compression));
  pool = nb_workers_new (g_get_num_processors ());
  w = nb_nxs_writer_new (path, &s, pool, error);
  ok = w != NULL && nb_nxs_writer_add_frame (w, counts, h.start_angle,
      h.start_angle + h.angle_increment, error);
  if (ok)
    ok = nb_nxs_writer_finish (w, error);
  else
    nb_nxs_writer_abort (w);
  nb_workers_free (pool);
  return ok;
}
#endif

/* The -trace_pixel records of frame 0, in nanoBragg's trace format. */
static gboolean
print_traces (NbBackend * backend, const NbParams * p, GError ** error)
{
  int n = p->num_trace_pixels;
  NbTracePixel **t = g_new (NbTracePixel *, n);
  GString *text = g_string_new (NULL);
  gboolean ok;

  for (int i = 0; i < n; i++)
    t[i] = nb_trace_pixel_new (p->trace_pixels[i][0], p->trace_pixels[i][1]);
  ok = nb_backend_trace (backend, 0, t, n, error);
  for (int i = 0; ok && i < n; i++)
    nb_trace_format (backend->model, t[i], text);
  fputs (text->str, stdout);
  for (int i = 0; i < n; i++)
    nb_trace_pixel_free (t[i]);
  g_free (t);
  g_string_free (text, TRUE);
  return ok;
}

int
main (int argc, char **argv)
{
  NbParams params;
  NbModel *model = NULL;
  NbBackend *backend = NULL;
  GError *error = NULL;
  GString *log = g_string_new (NULL);
  NbFrameStats st;
  float *image = NULL;
  guint16 *counts = NULL;
  NbSmvHeader header;
  NbReadout readout;
  double omega_sum = 0.0, scale, pgm_scale;
  gsize npix;
  int status = 0;
  char *cbf_file = NULL, *nxs_file = NULL, *nxs_compression = NULL;
  gint32 *file_pixels = NULL;
#ifdef NB_HAVE_NXS
  NbNxsCompression nxs_codec = NB_NXS_COMPRESSION_BSLZ4;
#endif

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      printf ("usage: nanobragg -hkl FILE (-cell a b c al be ga | -mat FILE) "
          "[flags]\n");
      nb_args_print_help (stdout);
      return 0;
    }

  nb_params_init (&params);
  nb_readout_init_defaults (&readout);
  if (!take_file_flag (&argc, argv, "-cbffile", &cbf_file, &error)
      || !take_file_flag (&argc, argv, "-nxsfile", &nxs_file, &error)
      || !take_file_flag (&argc, argv, "-nxs_compression", &nxs_compression,
          &error)) {
    status = fail (NULL, error, 2);
    goto out;
  }
  if (!nb_args_apply (&params, argc - 1, (const char *const *) argv + 1,
          &error)) {
    status = fail (NULL, error, 2);
    goto out;
  }
  /* bad readout values are refused before anything is rendered */
  if (params.noise_rng == NB_NOISE_RNG_COUNTER
      && !nb_args_noise_readout (&params, &readout, &error)) {
    status = fail (NULL, error, 2);
    goto out;
  }
  if (!check_writable ("-floatfile", params.float_file, &error)
      || !check_writable ("-intfile", params.int_file, &error)
      || (params.write_pgm
          && !check_writable ("-pgmfile", params.pgm_file, &error))
      || (params.calculate_noise
          && !check_writable ("-noisefile", params.noise_file, &error))
      || (cbf_file != NULL
          && !check_writable ("-cbffile", cbf_file, &error))
      || (nxs_file != NULL
          && !check_writable ("-nxsfile", nxs_file, &error))) {
    status = fail (NULL, error, 2);
    goto out;
  }
#ifdef NB_HAVE_NXS
  if (nxs_compression != NULL
      && !nb_nxs_compression_from_string (nxs_compression, &nxs_codec)) {
    fprintf (stderr, "nanobragg: -nxs_compression: '%s' is not bslz4 or "
        "none\n", nxs_compression);
    status = 2;
    goto out;
  }
#else
  if (nxs_file != NULL || nxs_compression != NULL) {
    fprintf (stderr, "nanobragg: -nxsfile: this nanobragg was built without "
        "libhdf5/liblz4 (meson -Dhdf5)\n");
    status = 2;
    goto out;
  }
#endif
  if (cbf_file != NULL || nxs_file != NULL) {
    NbReadout cbf;
    /* the scale (the gain without noise) is only known after the render,
     * and any positive one passes */
    cbf_readout (&params, 1.0, &cbf);
    if (!nb_readout_check (&cbf, cbf_readout_names, &error)) {
      status = fail (cbf_file != NULL ? "-cbffile" : "-nxsfile", error, 2);
      goto out;
    }
  }

  printf ("nanoBragg nanocrystal diffraction simulator (GStreamer nanobragg "
      "project, CPU engine)\n");
  model = nb_model_new (&params, log, &error);
  fputs (log->str, stdout);
  if (model == NULL) {
    status = fail (NULL, error, 2);
    goto out;
  }
  report_setup (stdout, model);
  if (params.calculate_noise)
    printf ("\n  noise image paramters:\n  seed: %ld\n"
        "  water droplet size: %g m\n", (long) params.seed,
        model->water_size);
  if (params.calculate_noise && params.noise_rng == NB_NOISE_RNG_COUNTER)
    printf ("  noise generator: counter (Philox, frame 0); read noise %g "
        "counts, PSF FWHM %g pixels, calibration error %g (seed %"
        G_GINT64_FORMAT "), count cutoff %g\n", readout.read_noise,
        readout.psf_fwhm, readout.calibration_error, params.calibration_seed,
        readout.cutoff);
  fflush (stdout);

  {
    gchar *note = NULL;
    backend = nb_backend_select_gpus (model, (NbDevice) params.device,
        params.gpu_ids, params.num_threads, params.precision, &note, &error);
    if (backend == NULL) {
      status = fail ("-device", error, 2);
      goto out;
    }
    printf ("rendering on %s (%s, %s)%s%s\n", backend->ops->name,
        params.precision == NB_PRECISION_FLOAT32 ? "float32" : "float64",
        backend->kernel, note ? ": " : "", note ? note : "");
    g_free (note);
  }
  npix = (gsize) model->det.fpixels * model->det.spixels;
  image = g_try_new (float, npix);
  counts = g_try_new (guint16, npix);
  if (image == NULL || counts == NULL) {
    status = fail ("cannot allocate the image", error, 1);
    goto out;
  }
  if (!nb_backend_render (backend, 0, image, &omega_sum, &error)) {
    status = fail ("render", error, 1);
    goto out;
  }
  nb_frame_stats (model, image, omega_sum, &st);
  if (backend->interpolation_off_at >= 0)
    printf ("WARNING: out of range for three point interpolation at pixel "
        "(slow %" G_GINT64_FORMAT ", fast %" G_GINT64_FORMAT "): nearest "
        "structure factors from there on, as nanoBragg\n",
        backend->interpolation_off_at / model->det.fpixels,
        backend->interpolation_off_at % model->det.fpixels);
  printf ("\n");
  if (params.num_trace_pixels > 0 && !print_traces (backend, &params,
          &error)) {
    status = fail ("-trace_pixel", error, 1);
    goto out;
  }
  report_stats (stdout, model, &st);

  /* the Fdump cache, as nanoBragg writes it after reading -hkl */
  if (params.hkl_file != NULL && params.dump_file != NULL
      && !nb_hkl_write_dump (model->xtal.hkl, params.dump_file, &error)) {
    printf ("WARNING: %s\n", error->message);
    g_clear_error (&error);
  }

  printf ("writing %s as %" G_GSIZE_FORMAT " 4-byte floats\n",
      params.float_file, npix);
  if (!nb_image_write_float (params.float_file, image, npix, &error)) {
    status = fail ("-floatfile", error, 1);
    goto out;
  }

  scale = params.int_scale;
  if (scale <= 0.0)
    scale = st.max_I > 0.0 ? 55000.0 / st.max_I : 1.0;
  printf ("intfile_scale = %g\n", scale);
  nb_image_to_counts (model, image, scale, params.adc_offset, counts);
  nb_image_smv_header (model, params.phi, &header);
  printf ("writing %s as 2-byte integers\n", params.int_file);
  if (!nb_smv_write (params.int_file, &header, counts, &error)) {
    status = fail ("-intfile", error, 1);
    goto out;
  }

  if (params.write_pgm) {
    pgm_scale = params.pgm_scale;
    if (pgm_scale <= 0.0)
      pgm_scale = st.rmsd > 0.0 ? 250.0 / (5.0 * st.rmsd) : scale;
    printf ("pgm_scale = %g\n", pgm_scale);
    printf ("writing %s as 1-byte integers\n", params.pgm_file);
    if (!nb_image_write_pgm (model, image, pgm_scale, params.pgm_file,
            &error)) {
      status = fail ("-pgmfile", error, 1);
      goto out;
    }
  }

  if (params.calculate_noise && params.noise_rng == NB_NOISE_RNG_COUNTER)
    counter_noise_image (model, &readout, params.num_threads, image, counts);
  else if (params.calculate_noise) {
    int overloads = 0;
    double photons = nb_image_to_noise (model, image, (long) params.seed,
        1.0, params.adc_offset, counts, &overloads);
    printf ("%.0f photons on noise image (%d overloads)\n", photons,
        overloads);
  }
  if (params.calculate_noise) {
    printf ("writing %s as 2-byte integers\n", params.noise_file);
    if (!nb_smv_write (params.noise_file, &header, counts, &error)) {
      status = fail ("-noisefile", error, 1);
      goto out;
    }
  }

  if (cbf_file != NULL || nxs_file != NULL) {
    NbReadout r;
    file_pixels = file_counts (model, &params, scale, image, &r, &error);
    if (file_pixels == NULL) {
      status = fail (cbf_file != NULL ? "-cbffile" : "-nxsfile", error, 1);
      goto out;
    }
    if (cbf_file != NULL && !write_cbf (cbf_file, model, &params, &r,
            file_pixels, &error)) {
      status = fail ("-cbffile", error, 1);
      goto out;
    }
#ifdef NB_HAVE_NXS
    if (nxs_file != NULL && !write_nxs (nxs_file, nxs_codec, model, &params,
            &r, file_pixels, &error)) {
      status = fail ("-nxsfile", error, 1);
      goto out;
    }
#endif
  }

out:
  g_free (file_pixels);
  g_free (image);
  g_free (counts);
  nb_backend_free (backend);
  nb_model_free (model);
  nb_params_clear (&params);
  g_string_free (log, TRUE);
  return status;
}
