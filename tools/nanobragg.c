/* nanobragg - drop-in command line for nanoBragg.c users.
 *
 * Same flags and output files as nanoBragg.c (see docs/cli.md for the few
 * deliberate differences: strict flag matching, errors instead of silent
 * defaults, atomic file writes).  Exit status: 0 ok, 1 runtime failure,
 * 2 bad input.  Started by mpirun (meson -Dmpi), each rank renders its
 * share of the series (docs/cli.md, "MPI ranks").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nb_args.h"
#include "nb_cbf.h"
#ifdef NB_HAVE_NXS
#include "nb_nxs.h"
#endif
#ifdef NB_HAVE_MPI
#include "nb_cli_mpi.h"
#endif
#include "nb_backend_select.h"
#include "nb_error.h"
#include "nb_image.h"
#include "nb_render.h"
#include "report.h"

/* This process among the ranks of an MPI job: rank 0 of 1 without one. */
typedef struct {
  int rank, n_ranks;
  gchar *who;                   /* "nanobragg", "nanobragg: rank 1" */
  gboolean mpi;                 /* MPI started (to be ended) */
  /* the first agreement that saw a failure (ranks_agree): after it the
   * ranks make no more */
  gboolean stopped;
  int worst, first_failed, n_failed;
} CliRanks;

/* The number of ranks an MPI launcher started this process among
 * (OpenMPI's OMPI_COMM_WORLD_SIZE, MPICH's and Slurm's PMI_SIZE), -1 for
 * a launcher that gives no size (PMIx's PMIX_RANK alone), 0 when none
 * did: a plain run. */
static int
launcher_ranks (void)
{
  const char *size = g_getenv ("OMPI_COMM_WORLD_SIZE");
  guint64 n;

  if (size == NULL)
    size = g_getenv ("PMI_SIZE");
  if (size != NULL && g_ascii_string_to_unsigned (size, 10, 1, G_MAXINT, &n,
          NULL))
    return (int) n;
  return size != NULL || g_getenv ("PMIX_RANK") != NULL ? -1 : 0;
}

/* Joins the MPI job that started this process, if any.  FALSE with
 * @error when a launcher started several copies of a nanobragg built
 * without MPI: each would render, and write, the whole series. */
static gboolean
join_ranks (int *argc, char ***argv, CliRanks * ranks, GError ** error)
{
  int launched = launcher_ranks ();

  ranks->rank = 0;
  ranks->n_ranks = 1;
#ifdef NB_HAVE_MPI
  ranks->mpi = launched != 0;
  if (ranks->mpi)
    nb_cli_mpi_init (argc, argv, &ranks->rank, &ranks->n_ranks);
#else
  if (launched > 1) {
    ranks->who = g_strdup ("nanobragg");
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "started as one of %d "
        "MPI ranks, but this nanobragg was built without MPI (meson -Dmpi): "
        "every rank would render the whole series", launched);
    return FALSE;
  }
#endif
  ranks->who = ranks->n_ranks > 1 ? g_strdup_printf ("nanobragg: rank %d",
      ranks->rank) : g_strdup ("nanobragg");
  return TRUE;
}

static int
fail (const CliRanks * ranks, const char *what, GError * error, int status)
{
  fprintf (stderr, "%s: %s%s%s\n", ranks->who, what ? what : "",
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

/* The -noisefile of -noise_rng counter: the engine's readout of @frame
 * on the photons already rendered.  On the host:
 * the CLI needs the photons here anyway (-floatfile, -intfile, the
 * statistics), and the counts are the bits a device readout would give
 * (nb_readout_pixel.h), so a second, device-side render would only cost. */
static void
counter_noise_image (const NbModel * m, const NbReadout * readout,
    int threads, gint64 frame, const float *image, guint16 * counts)
{
  NbReadoutWork *work = nb_readout_work_new (threads);
  NbReadoutStats st;

  nb_readout_frame (work, readout, &m->det, frame, image, NB_COUNTS_U16,
      counts, &st);
  nb_readout_work_free (work);
  printf ("%.0f counts on noise image (counter readout, frame %"
      G_GINT64_FORMAT "; %" G_GINT64_FORMAT " overloads, %" G_GINT64_FORMAT
      " masked pixels)\n", st.total, frame, st.overloads, st.masked);
}

/* The flags only this program takes, off the engine's flag parser (which
 * refuses them): -cbffile NAME, -nxsfile NAME, -nxs_compression C and
 * -frames FIRST:COUNT.  The last one of each wins, as for nanoBragg's file
 * flags; the other flags keep their order. */
typedef struct {
  const char *cbf_file;         /* NULL: no CBF */
  const char *nxs_file;         /* NULL: no NXmx (one file for the series) */
  const char *nxs_compression;  /* NULL: bslz4 */
  gboolean series;              /* -frames given: file names get numbers */
  gint64 first, count;          /* frames first .. first + count - 1 */
} CliFlags;

/* "FIRST:COUNT", FIRST >= 0, COUNT >= 1, plain decimal integers. */
static gboolean
parse_frames (const char *text, CliFlags * f, GError ** error)
{
  gchar **parts = g_strsplit (text, ":", -1);
  gint64 v[2];
  gboolean ok = g_strv_length (parts) == 2;

  for (int i = 0; ok && i < 2; i++) {
    guint64 u;
    /* file numbers (frame + 1) are printed as int */
    ok = g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXINT / 2, &u,
        NULL);
    v[i] = (gint64) u;
  }
  g_strfreev (parts);
  if (!ok || v[1] < 1) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "-frames: \"%s\" is "
        "not FIRST:COUNT (FIRST >= 0 the first frame, COUNT >= 1 frames, "
        "e.g. 0:90)", text);
    return FALSE;
  }
  f->series = TRUE;
  f->first = v[0];
  f->count = v[1];
  return TRUE;
}

static gboolean
take_cli_flags (int *argc, char **argv, CliFlags * f, GError ** error)
{
  int out = 1;

  for (int i = 1; i < *argc; i++) {
    const char *flag = argv[i];
    const char **file = strcmp (flag, "-cbffile") == 0 ? &f->cbf_file
        : strcmp (flag, "-nxsfile") == 0 ? &f->nxs_file
        : strcmp (flag, "-nxs_compression") == 0 ? &f->nxs_compression : NULL;
    gboolean frames = strcmp (flag, "-frames") == 0;

    if (file == NULL && !frames) {
      argv[out++] = argv[i];
      continue;
    }
    if (i + 1 >= *argc) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "%s: needs 1 value "
          "(%s)", flag, frames ? "FIRST:COUNT" : file == &f->nxs_compression
          ? "bslz4 or none" : "a file name");
      return FALSE;
    }
    if (file != NULL)
      *file = argv[++i];
    else if (!parse_frames (argv[++i], f, error))
      return FALSE;
  }
  *argc = out;
  return TRUE;
}

/* Where the printf integer conversion of a series file name is: the one
 * "%d" / "%Nd" / "%0Nd" in @name ("%%" is a literal %).  -1 when there is
 * none; -2 when there are several or another conversion. */
static int
number_conversion (const char *name)
{
  int at = -1;

  for (const char *c = name; *c; c++) {
    const char *d;
    if (*c != '%')
      continue;
    if (c[1] == '%') {
      c++;
      continue;
    }
    for (d = c + 1; g_ascii_isdigit (*d); d++);
    if (*d != 'd' || at != -1)
      return -2;
    at = (int) (c - name);
    c = d;
  }
  return at;
}

/* Refuses a series file name with a % conversion other than one %d. */
static gboolean
check_frame_file_name (const CliFlags * f, const char *flag,
    const char *name, GError ** error)
{
  if (!f->series || name == NULL || number_conversion (name) != -2)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "%s: \"%s\": a file "
      "name of -frames takes one %%d (or %%05d) for the frame number, no "
      "other %% conversion (%%%% for a literal %%)", flag, name);
  return FALSE;
}

/* The file name of frame @frame of a series (the 1-based number, as
 * multifilesink index=1 numbers an element's files): @name's own %d
 * conversion filled in, else "_NNNNN" put before the extension.  Without
 * -frames the name as given. */
static gchar *
frame_file_name (const CliFlags * f, const char *name, gint64 frame)
{
  const char *base, *dot;
  int conv;

  if (!f->series)
    return g_strdup (name);
  conv = number_conversion (name);
  if (conv >= 0) {
    gchar *out;
    /* @name holds one integer conversion and literal %% only
     * (check_frame_file_name) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    out = g_strdup_printf (name, (int) (frame + 1));
#pragma GCC diagnostic pop
    return out;
  }
  base = strrchr (name, '/');
  base = base ? base + 1 : name;
  dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return g_strdup_printf ("%s_%05" G_GINT64_FORMAT, name, frame + 1);
  return g_strdup_printf ("%.*s_%05" G_GINT64_FORMAT "%s", (int) (dot - name),
      name, frame + 1, dot);
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

/* The CBF header of @frame of @m. */
static void
cbf_header (const NbModel * m, const NbParams * p, const NbReadout * r,
    gint64 frame, NbCbfHeader * h)
{
  const NbDetector *d = &m->det;
  NbSmvHeader smv;

  nb_image_smv_header (m, nb_model_frame_phi_deg (m, frame), &smv);
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
  h->frame_number = (int) (frame + 1);
  memcpy (h->pix0, d->pix0, sizeof (h->pix0));
  memcpy (h->fdet, d->fdet, sizeof (h->fdet));
  memcpy (h->sdet, d->sdet, sizeof (h->sdet));
  memcpy (h->beam, d->beam, sizeof (h->beam));
  memcpy (h->spindle, d->spindle, sizeof (h->spindle));
}

/* Reads out @frame as the 32-bit counts of -cbffile and -nxsfile into
 * @counts; *@r receives the readout. */
static void
file_counts (const NbModel * m, const NbParams * p, double scale,
    gint64 frame, const float *image, NbReadout * r, gint32 * counts)
{
  NbReadoutWork *work;
  NbReadoutStats st;

  cbf_readout (p, scale, r);
  work = nb_readout_work_new (p->num_threads);
  nb_readout_frame (work, r, &m->det, frame, image, NB_COUNTS_S32, counts,
      &st);
  nb_readout_work_free (work);
  printf ("%.0f counts in 32-bit image (%s, %g counts/photon; %"
      G_GINT64_FORMAT " overloads, %" G_GINT64_FORMAT " masked pixels)\n",
      st.total, r->poisson ? "Poisson, counter generator" : "no noise",
      r->gain, st.overloads, st.masked);
}

static gboolean
write_cbf (const char *path, const NbModel * m, const NbParams * p,
    const NbReadout * r, gint64 frame, const gint32 * counts, GError ** error)
{
  NbCbfHeader h;

  cbf_header (m, p, r, frame, &h);
  printf ("writing %s as CBF (32-bit counts, byte offset)\n", path);
  return nb_cbf_write (path, &h, counts, NB_CBF_PIXELS_S32,
      (guint) g_get_num_processors (), error);
}

/* The -trace_pixel records of @frame, in nanoBragg's trace format. */
static gboolean
print_traces (NbBackend * backend, const NbParams * p, gint64 frame,
    GError ** error)
{
  int n = p->num_trace_pixels;
  NbTracePixel **t = g_new (NbTracePixel *, n);
  GString *text = g_string_new (NULL);
  gboolean ok;

  for (int i = 0; i < n; i++)
    t[i] = nb_trace_pixel_new (p->trace_pixels[i][0], p->trace_pixels[i][1]);
  ok = nb_backend_trace (backend, frame, t, n, error);
  for (int i = 0; ok && i < n; i++)
    nb_trace_format (backend->model, t[i], text);
  fputs (text->str, stdout);
  for (int i = 0; i < n; i++)
    nb_trace_pixel_free (t[i]);
  g_free (t);
  g_string_free (text, TRUE);
  return ok;
}

/* The NXmx data file of @rank in a -nxsfile series over several ranks:
 * beside the master, the master's name less its extension +
 * "_rankNNNNN.h5" (series.nxs -> series_rank00001.h5). */
static gchar *
rank_file_name (const char *master, int rank)
{
  const char *base = strrchr (master, '/'), *dot;

  base = base ? base + 1 : master;
  dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    dot = base + strlen (base);
  return g_strdup_printf ("%.*s_rank%05d.h5", (int) (dot - master), master,
      rank);
}

/* One run: the model, its backend and what every frame reuses. */
typedef struct {
  const NbParams *p;
  const CliFlags *flags;
  CliRanks *ranks;              /* frames j of the run with j mod n_ranks
                                 * == rank are this process's */
  const NbModel *model;
  NbBackend *backend;
  const NbReadout *readout;     /* -noise_rng counter's -noisefile */
  float *image;
  guint16 *counts;
  gint32 *file_pixels;          /* -cbffile's and -nxsfile's counts */
  gchar *nxs_path;              /* the NXmx file this process writes */
  double scale, pgm_scale;      /* <= 0 until known (frame 0's when auto) */
#ifdef NB_HAVE_NXS
  NbNxsCompression nxs_codec;
  NbWorkers *nxs_pool;
  NbNxsWriter *nxs;             /* the series' NXmx file, once started
                                 * (this rank's data file with several) */
  NbNxsSeries nxs_series;       /* several ranks, rank 0: the master's */
  guint32 *nxs_mask;            /* and its pixel mask (the first frame's) */
#endif
} CliRun;

/* Frames of the run (first .. first + count - 1 of the series) that
 * this rank renders: run index j = frame - first with j mod n_ranks ==
 * rank.  The rank's first frame, or -1 when it has none (more ranks than
 * frames). */
static gint64
rank_first_frame (const CliFlags * f, const CliRanks * ranks)
{
  return ranks->rank < f->count ? f->first + ranks->rank : -1;
}

#ifdef NB_HAVE_NXS
/* -nxsfile: one NXmx file for the frames of the run, started at the first
 * one (its header describes the series), a chunk per frame.  Over several
 * ranks each rank's frames go to its own data file and rank 0 keeps what
 * the master needs of the series' first frame. */
static gboolean
add_nxs_frame (CliRun * run, const NbReadout * r, gint64 frame,
    GError ** error)
{
  const NbDetector *d = &run->model->det;
  gboolean several = run->ranks->n_ranks > 1;
  NbCbfHeader h;

  cbf_header (run->model, run->p, r, frame, &h);
  if (run->nxs == NULL) {
    NbNxsSeries s;
    nb_nxs_series_from_cbf (&s, &h);
    s.compression = run->nxs_codec;
    printf ("writing %s as NeXus/NXmx %s(32-bit counts, %s)\n",
        run->nxs_path, several ? "data " : "",
        nb_nxs_compression_name (s.compression));
    run->nxs_pool = nb_workers_new (g_get_num_processors ());
    run->nxs = several ? nb_nxs_data_writer_new (run->nxs_path, s.width,
        s.height, s.compression, run->nxs_pool, error)
        : nb_nxs_writer_new (run->nxs_path, &s, run->nxs_pool, error);
    if (run->nxs == NULL)
      return FALSE;
    if (several && frame == run->flags->first) {
      /* the strings of @s are static (nb_nxs_series_from_cbf) */
      run->nxs_series = s;
      /* the master's mask, as a single file takes it from frame 0 */
      run->nxs_mask = nb_nxs_pixel_mask_of (run->file_pixels,
          (gsize) d->fpixels * d->spixels, s.masked_value);
    }
  }
  printf ("adding frame %" G_GINT64_FORMAT " to %s\n", frame,
      run->nxs_path);
  return nb_nxs_writer_add_frame (run->nxs, run->file_pixels, h.start_angle,
      h.start_angle + h.angle_increment, error);
}
#endif

/* Renders @frame into run->image (frames of this rank ahead of it queued
 * on a device backend) and its statistics into @st. */
static gboolean
render_frame (CliRun * run, gint64 frame, gint64 end, NbFrameStats * st,
    GError ** error)
{
  double omega_sum = 0.0;

  if (!nb_backend_submit_ahead (run->backend, frame, end, error)
      || !nb_backend_fetch (run->backend, frame, run->image, &omega_sum,
          error))
    return FALSE;
  nb_frame_stats (run->model, run->image, omega_sum, st);
  if (run->backend->interpolation_off_at >= 0)
    printf ("WARNING: out of range for three point interpolation at pixel "
        "(slow %" G_GINT64_FORMAT ", fast %" G_GINT64_FORMAT "): nearest "
        "structure factors from there on, as nanoBragg\n",
        run->backend->interpolation_off_at / run->model->det.fpixels,
        run->backend->interpolation_off_at % run->model->det.fpixels);
  return TRUE;
}

/* The automatic scales, nanoBragg's (-scale: 55000 / the maximum; PGM:
 * 250 / 5 rmsd), from frame 0's statistics: one scale for the whole
 * series, so that a shard's files equal the same frames of the whole run
 * (as nanobraggsrc scale=0 does). */
static void
set_scales (CliRun * run, const NbFrameStats * st0)
{
  const NbParams *p = run->p;

  run->scale = p->int_scale;
  if (run->scale <= 0.0 && st0 != NULL)
    run->scale = st0->max_I > 0.0 ? 55000.0 / st0->max_I : 1.0;
  run->pgm_scale = p->pgm_scale;
  if (run->pgm_scale <= 0.0 && st0 != NULL)
    run->pgm_scale = st0->rmsd > 0.0 ? 250.0 / (5.0 * st0->rmsd) : run->scale;
}

/* A shard that does not start at frame 0 renders frame 0 first when an
 * automatic scale needs its maximum. */
static gboolean
scales_from_frame0 (CliRun * run, GError ** error)
{
  NbFrameStats st0;

  if (run->p->int_scale > 0.0 && (run->p->pgm_scale > 0.0
          || !run->p->write_pgm)) {
    set_scales (run, NULL);
    return TRUE;
  }
  printf ("rendering frame 0 for the series' automatic scale\n");
  if (!render_frame (run, 0, 1, &st0, error))
    return FALSE;
  set_scales (run, &st0);
  return TRUE;
}

/* Writes the files of @frame (rendered in run->image). */
static gboolean
write_frame_files (CliRun * run, gint64 frame, GError ** error)
{
  const NbParams *p = run->p;
  const NbModel *m = run->model;
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  NbSmvHeader header;
  gchar *name = NULL;
  const char *failed = NULL;

  name = frame_file_name (run->flags, p->float_file, frame);
  printf ("writing %s as %" G_GSIZE_FORMAT " 4-byte floats\n", name, npix);
  if (!nb_image_write_float (name, run->image, npix, error)) {
    failed = "-floatfile";
    goto out;
  }
  g_free (name);

  printf ("intfile_scale = %g\n", run->scale);
  nb_image_to_counts (m, run->image, run->scale, p->adc_offset, run->counts);
  nb_image_smv_header (m, nb_model_frame_phi_deg (m, frame), &header);
  name = frame_file_name (run->flags, p->int_file, frame);
  printf ("writing %s as 2-byte integers\n", name);
  if (!nb_smv_write (name, &header, run->counts, error)) {
    failed = "-intfile";
    goto out;
  }
  g_clear_pointer (&name, g_free);

  if (p->write_pgm) {
    printf ("pgm_scale = %g\n", run->pgm_scale);
    name = frame_file_name (run->flags, p->pgm_file, frame);
    printf ("writing %s as 1-byte integers\n", name);
    if (!nb_image_write_pgm (m, run->image, run->pgm_scale, name, error)) {
      failed = "-pgmfile";
      goto out;
    }
    g_clear_pointer (&name, g_free);
  }

  if (p->calculate_noise && p->noise_rng == NB_NOISE_RNG_COUNTER)
    counter_noise_image (m, run->readout, p->num_threads, frame, run->image,
        run->counts);
  else if (p->calculate_noise) {
    int overloads = 0;
    /* frame i: seed + i, as nanobraggsrc noise-rng=nanobragg */
    double photons = nb_image_to_noise (m, run->image,
        (long) (p->seed - frame), 1.0, p->adc_offset, run->counts,
        &overloads);
    printf ("%.0f photons on noise image (%d overloads)\n", photons,
        overloads);
  }
  if (p->calculate_noise) {
    name = frame_file_name (run->flags, p->noise_file, frame);
    printf ("writing %s as 2-byte integers\n", name);
    if (!nb_smv_write (name, &header, run->counts, error)) {
      failed = "-noisefile";
      goto out;
    }
    g_clear_pointer (&name, g_free);
  }

  if (run->flags->cbf_file != NULL || run->flags->nxs_file != NULL) {
    NbReadout r;
    file_counts (m, p, run->scale, frame, run->image, &r, run->file_pixels);
    if (run->flags->cbf_file != NULL) {
      name = frame_file_name (run->flags, run->flags->cbf_file, frame);
      if (!write_cbf (name, m, p, &r, frame, run->file_pixels, error)) {
        failed = "-cbffile";
        goto out;
      }
    }
#ifdef NB_HAVE_NXS
    if (run->flags->nxs_file != NULL && !add_nxs_frame (run, &r, frame,
            error))
      failed = "-nxsfile";
#endif
  }
out:
  g_free (name);
  if (failed != NULL)
    g_prefix_error (error, "%s: ", failed);
  return failed == NULL;
}

/* Renders and writes this rank's frames of first .. first + count - 1
 * (all of them without MPI).  The NXmx file of a single process is
 * finished here; finish_ranks finishes those of several ranks. */
static gboolean
run_frames (CliRun * run, GError ** error)
{
  const CliFlags *f = run->flags;
  gint64 end = f->first + f->count, start = rank_first_frame (f, run->ranks);
  int stride = run->ranks->n_ranks;

  if (start < 0) {
    printf ("rank %d of %d: no frames to render (the run has %"
        G_GINT64_FORMAT ")\n", run->ranks->rank, stride, f->count);
    return TRUE;
  }
  if (stride > 1)
    printf ("rank %d of %d: frames %" G_GINT64_FORMAT " + %d k of %"
        G_GINT64_FORMAT " .. %" G_GINT64_FORMAT "\n", run->ranks->rank,
        stride, start, stride, f->first, end - 1);
  if (start != 0 && !scales_from_frame0 (run, error))
    return FALSE;
  for (gint64 frame = start; frame < end; frame += stride) {
    NbFrameStats st;

    if (f->series)
      printf ("frame %" G_GINT64_FORMAT " (file number %" G_GINT64_FORMAT
          "): phi %g deg\n", frame, frame + 1,
          nb_model_frame_phi_deg (run->model, frame));
    if (!render_frame (run, frame, end, &st, error)) {
      g_prefix_error (error, "render: ");
      return FALSE;
    }
    if (frame == 0)
      set_scales (run, &st);
    printf ("\n");
    if (frame == f->first && run->p->num_trace_pixels > 0
        && !print_traces (run->backend, run->p, frame, error)) {
      g_prefix_error (error, "-trace_pixel: ");
      return FALSE;
    }
    report_stats (stdout, run->model, &st);
    if (frame == f->first && run->p->hkl_file != NULL
        && run->p->dump_file != NULL) {
      /* the Fdump cache, as nanoBragg writes it after reading -hkl */
      GError *dump_error = NULL;
      if (!nb_hkl_write_dump (run->model->xtal.hkl, run->p->dump_file,
              &dump_error)) {
        printf ("WARNING: %s\n", dump_error->message);
        g_clear_error (&dump_error);
      }
    }
    if (!write_frame_files (run, frame, error))
      return FALSE;
  }
#ifdef NB_HAVE_NXS
  if (run->nxs != NULL && stride == 1) {
    NbNxsWriter *w = run->nxs;
    run->nxs = NULL;
    if (!nb_nxs_writer_finish (w, error)) {
      g_prefix_error (error, "-nxsfile: ");
      return FALSE;
    }
  }
#endif
  return TRUE;
}

#ifdef NB_HAVE_MPI
#ifdef NB_HAVE_NXS
/* Rank 0 of several: the -nxsfile master, a virtual dataset over the
 * ranks' data files (named relative to it: they lie beside it), with the
 * angles of every frame of the run (computed as each rank's frames got
 * them) and the first frame's mask. */
static gboolean
write_nxs_master (CliRun * run, GError ** error)
{
  const CliFlags *f = run->flags;
  /* the ranks that rendered a frame: those past the last frame have no
   * file */
  int n_files = (int) MIN ((gint64) run->ranks->n_ranks, f->count);
  gchar **files = g_new0 (gchar *, n_files + 1);
  double *start = g_new (double, f->count), *end = g_new (double, f->count);
  NbReadout r;
  gboolean ok;

  for (int i = 0; i < n_files; i++) {
    gchar *path = rank_file_name (f->nxs_file, i);
    files[i] = g_path_get_basename (path);
    g_free (path);
  }
  cbf_readout (run->p, run->scale, &r);
  for (gint64 j = 0; j < f->count; j++) {
    NbCbfHeader h;
    cbf_header (run->model, run->p, &r, f->first + j, &h);
    start[j] = h.start_angle;
    end[j] = h.start_angle + h.angle_increment;
  }
  printf ("writing %s as NeXus/NXmx master (%" G_GINT64_FORMAT " frames in "
      "%d rank files, %s ...)\n", f->nxs_file, f->count, n_files, files[0]);
  ok = nb_nxs_write_master (f->nxs_file, &run->nxs_series,
      (const char *const *) files, (guint) n_files, (guint64) f->count, start,
      end, run->nxs_mask, error);
  g_strfreev (files);
  g_free (start);
  g_free (end);
  return ok;
}
#endif

/* One agreement of the ranks on their @status: FALSE when any rank
 * failed.  Agreements pair up by their order on each rank, not by where
 * they are made: a rank that fails goes straight to its next agreement
 * (in finish_ranks), which meets the others' next one.  Once an agreement
 * has seen a failure no rank makes another (ranks->stopped), so none
 * waits for a rank that has ended. */
static gboolean
ranks_agree (CliRanks * ranks, int status)
{
  if (ranks->stopped)
    return FALSE;
  ranks->worst = nb_cli_mpi_agree (status, &ranks->first_failed,
      &ranks->n_failed);
  ranks->stopped = ranks->worst != 0;
  return !ranks->stopped;
}

/* The end of every rank of several, whatever its @status: the ranks agree
 * that each rendered its frames; then each finishes its NXmx data file;
 * they agree again; rank 0 writes the master; a last agreement.  After a
 * failure anywhere every rank removes its data file (finished or not), no
 * master is written (nor left: nb_nxs writes it under a temporary name),
 * and rank 0 names the first failed rank and exits with the worst status.
 * Returns this rank's exit status. */
static int
finish_ranks (CliRun * run, int status)
{
  CliRanks *ranks = run->ranks;
#ifdef NB_HAVE_NXS
  gboolean finished = FALSE;    /* this rank's data file is complete */
#endif

  for (int step = 0; step < 3 && ranks_agree (ranks, status); step++) {
#ifdef NB_HAVE_NXS
    GError *error = NULL;

    if (step == 0 && run->nxs != NULL) {
      NbNxsWriter *w = run->nxs;
      run->nxs = NULL;
      finished = nb_nxs_writer_finish (w, &error);
      if (!finished)
        status = fail (ranks, "-nxsfile", error, 1);
    } else if (step == 1 && ranks->rank == 0 && run->flags->nxs_file != NULL
        && !write_nxs_master (run, &error))
      status = fail (ranks, "-nxsfile", error, 1);
#endif
  }
  if (!ranks->stopped)
    return status;
#ifdef NB_HAVE_NXS
  nb_nxs_writer_abort (run->nxs);
  run->nxs = NULL;
  if (finished)
    g_unlink (run->nxs_path);
#endif
  if (ranks->rank == 0) {
    fprintf (stderr, "%s: %d of %d ranks failed, the first rank %d%s\n",
        ranks->who, ranks->n_failed, ranks->n_ranks, ranks->first_failed,
        run->flags->nxs_file != NULL ? ": no -nxsfile master written, the "
        "ranks' data files removed" : "");
    status = MAX (status, ranks->worst);
  }
  return status;
}
#endif

int
main (int argc, char **argv)
{
  NbParams params;
  NbModel *model = NULL;
  NbBackend *backend = NULL;
  GError *error = NULL;
  GString *log = g_string_new (NULL);
  float *image = NULL;
  guint16 *counts = NULL;
  NbReadout readout;
  CliFlags flags = { NULL, NULL, NULL, FALSE, 0, 1 };
  CliRanks ranks = { 0, 1, NULL, FALSE, FALSE, 0, -1, 0 };
  CliRun run = { 0 };
  gsize npix;
  int status = 0;
  gint64 rank_first;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      printf ("usage: nanobragg -hkl FILE (-cell a b c al be ga | -mat FILE) "
          "[flags]\n");
      nb_args_print_help (stdout);
      return 0;
    }

  nb_params_init (&params);
  nb_readout_init_defaults (&readout);
  run.flags = &flags;
  run.ranks = &ranks;
  if (!join_ranks (&argc, &argv, &ranks, &error)) {
    status = fail (&ranks, NULL, error, 2);
    goto out;
  }
  if (!take_cli_flags (&argc, argv, &flags, &error)) {
    status = fail (&ranks, NULL, error, 2);
    goto out;
  }
  if (!nb_args_apply (&params, argc - 1, (const char *const *) argv + 1,
          &error)) {
    status = fail (&ranks, NULL, error, 2);
    goto out;
  }
  /* bad readout values are refused before anything is rendered */
  if (params.noise_rng == NB_NOISE_RNG_COUNTER
      && !nb_args_noise_readout (&params, &readout, &error)) {
    status = fail (&ranks, NULL, error, 2);
    goto out;
  }
  {
    const struct {
      const char *flag, *name;
      gboolean written;
    } outputs[] = {
      {"-floatfile", params.float_file, TRUE},
      {"-intfile", params.int_file, TRUE},
      {"-pgmfile", params.pgm_file, params.write_pgm},
      {"-noisefile", params.noise_file, params.calculate_noise},
      {"-cbffile", flags.cbf_file, flags.cbf_file != NULL},
    };
    rank_first = rank_first_frame (&flags, &ranks);
    /* the NXmx file holds the whole run: its name is not numbered; over
     * several ranks each writes its data file beside it, rank 0 it */
    if (flags.nxs_file != NULL) {
      gboolean several = ranks.n_ranks > 1;
      run.nxs_path = several ? rank_file_name (flags.nxs_file, ranks.rank)
          : g_strdup (flags.nxs_file);
      if (((!several || ranks.rank == 0) && !check_writable ("-nxsfile",
                  flags.nxs_file, &error)) || (rank_first >= 0
              && !check_writable ("-nxsfile", run.nxs_path, &error))) {
        status = fail (&ranks, NULL, error, 2);
        goto out;
      }
    }
    for (guint i = 0; i < G_N_ELEMENTS (outputs); i++) {
      gchar *first;
      gboolean ok;
      if (!outputs[i].written)
        continue;
      if (!check_frame_file_name (&flags, outputs[i].flag, outputs[i].name,
              &error)) {
        status = fail (&ranks, NULL, error, 2);
        goto out;
      }
      /* a rank's first file (a rank without frames writes none) */
      if (rank_first < 0)
        continue;
      first = frame_file_name (&flags, outputs[i].name, rank_first);
      ok = check_writable (outputs[i].flag, first, &error);
      g_free (first);
      if (!ok) {
        status = fail (&ranks, NULL, error, 2);
        goto out;
      }
    }
  }
#ifdef NB_HAVE_NXS
  run.nxs_codec = NB_NXS_COMPRESSION_BSLZ4;
  if (flags.nxs_compression != NULL
      && !nb_nxs_compression_from_string (flags.nxs_compression,
          &run.nxs_codec)) {
    fprintf (stderr, "%s: -nxs_compression: '%s' is not bslz4 or "
        "none\n", ranks.who, flags.nxs_compression);
    status = 2;
    goto out;
  }
#else
  if (flags.nxs_file != NULL || flags.nxs_compression != NULL) {
    fprintf (stderr, "%s: -nxsfile: this nanobragg was built without "
        "libhdf5/liblz4 (meson -Dhdf5)\n", ranks.who);
    status = 2;
    goto out;
  }
#endif
  if (flags.cbf_file != NULL || flags.nxs_file != NULL) {
    NbReadout cbf;
    /* the scale (the gain without noise) is only known after the render,
     * and any positive one passes */
    cbf_readout (&params, 1.0, &cbf);
    if (!nb_readout_check (&cbf, cbf_readout_names, &error)) {
      status = fail (&ranks, flags.cbf_file != NULL ? "-cbffile"
          : "-nxsfile", error, 2);
      goto out;
    }
  }

  printf ("nanoBragg nanocrystal diffraction simulator (GStreamer nanobragg "
      "project, CPU engine)\n");
  model = nb_model_new (&params, log, &error);
  fputs (log->str, stdout);
  if (model == NULL) {
    status = fail (&ranks, NULL, error, 2);
    goto out;
  }
  report_setup (stdout, model);
  if (params.calculate_noise)
    printf ("\n  noise image paramters:\n  seed: %ld\n"
        "  water droplet size: %g m\n", (long) params.seed,
        model->water_size);
  if (params.calculate_noise && params.noise_rng == NB_NOISE_RNG_COUNTER)
    printf ("  noise generator: counter (Philox, frame index as counter); "
        "read noise %g counts, PSF FWHM %g pixels, calibration error %g "
        "(seed %" G_GINT64_FORMAT "), count cutoff %g\n", readout.read_noise,
        readout.psf_fwhm, readout.calibration_error, params.calibration_seed,
        readout.cutoff);
  if (flags.series)
    printf ("  frames %" G_GINT64_FORMAT " .. %" G_GINT64_FORMAT " of the "
        "series (frame i starts at phi + i * osc)\n", flags.first,
        flags.first + flags.count - 1);
  fflush (stdout);

  {
    gchar *note = NULL;
    backend = nb_backend_select_gpus (model, (NbDevice) params.device,
        params.gpu_ids, params.num_threads, params.precision, &note, &error);
    if (backend == NULL) {
      status = fail (&ranks, "-device", error, 2);
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
  run.file_pixels = flags.cbf_file != NULL || flags.nxs_file != NULL
      ? g_try_new (gint32, npix) : NULL;
  if (image == NULL || counts == NULL || ((flags.cbf_file != NULL
              || flags.nxs_file != NULL) && run.file_pixels == NULL)) {
    status = fail (&ranks, "cannot allocate the image", error, 1);
    goto out;
  }
  run.p = &params;
  run.model = model;
  run.backend = backend;
  /* a rank renders every n_ranks-th frame: queued ahead that many apart */
  nb_backend_set_frame_stride (backend, ranks.n_ranks);
  run.readout = &readout;
  run.image = image;
  run.counts = counts;
#ifdef NB_HAVE_MPI
  /* every rank is ready (its files can be written, its device works)
   * before any renders */
  if (ranks.n_ranks > 1 && !ranks_agree (&ranks, 0))
    goto out;
#endif
  if (!run_frames (&run, &error))
    status = fail (&ranks, NULL, error, 1);

out:
#ifdef NB_HAVE_MPI
  if (ranks.n_ranks > 1)
    status = finish_ranks (&run, status);
#endif
#ifdef NB_HAVE_NXS
  /* a run that failed leaves no NXmx file that looks complete */
  nb_nxs_writer_abort (run.nxs);
  if (run.nxs_pool != NULL)
    nb_workers_free (run.nxs_pool);
  g_free (run.nxs_mask);
#endif
  g_free (run.nxs_path);
  g_free (run.file_pixels);
  g_free (image);
  g_free (counts);
  nb_backend_free (backend);
  nb_model_free (model);
  nb_params_clear (&params);
  g_string_free (log, TRUE);
#ifdef NB_HAVE_MPI
  if (ranks.mpi)
    nb_cli_mpi_finalize ();
#endif
  g_free (ranks.who);
  return status;
}
