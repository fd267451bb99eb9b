/* nb_render_cpu.c - the multi-threaded float64 CPU backend.
 *
 * The per-pixel sum runs over sensor layers x sub-pixels x sources x phi
 * steps x mosaic domains in nanoBragg's order, so float64 results agree
 * with the reference to a few ulps.  Differences in how the work is done:
 *  - crystal orientations (phi x mosaic) are computed once per frame, not
 *    once per step;
 *  - rows are handed to worker threads; every pixel is computed by one
 *    thread from scratch, so the image does not depend on the thread count;
 *  - nanoBragg switches tricubic interpolation off for the rest of the
 *    image when a step nears the HKL box edge, which makes its output
 *    depend on pixel order.  We reproduce its single-thread result exactly:
 *    render in parallel with interpolation on, find the first pixel (in
 *    row-major order) that switched it off, and re-render every later
 *    pixel with interpolation off.
 */
#include "nb_render.h"
#include "nb_error.h"
#include "nb_physics.h"
#include "nb_trace.h"

#include <string.h>

typedef struct {
  NbBackend parent;
  int threads;
  gsize n_orient_values;        /* phi steps x domains x 9 */
  double *orient;               /* per frame: [phi][domain] a b c (m) */
  double *orient_first;         /* the same for the image's first phi loop */
  float *orient_f, *orient_first_f;     /* float copies (float32 mode) */
  gint64 orient_frame;          /* the frame the tables hold, -1 = none */
  /* where the last frame's interpolation switch went off (-1: never), so
   * that traces follow the same path */
  gint64 last_switch;
  gint64 last_frame;
  /* the pixel where nanoBragg's first phi loop of an image happens (the
   * one phi carry-over starts from the unrotated crystal) */
  gint64 first_phi_loop_pixel;
} NbCpuBackend;

typedef struct {
  const NbModel *m;
  NbPrecision precision;
  const double *orient;
  const double *orient_first;
  const float *orient_f, *orient_first_f;
  gint64 first_pixel;           /* where the first phi loop happens */
  float *image;
  double *row_omega;            /* omega sum per row (pass 1 only) */
  gint next_row;
  GMutex lock;
  gint64 first_switch;          /* first pixel that switched interpolation off */
  gint64 pass2_from;            /* pass 2 renders pixels with index > this */
  gboolean pass2;
} FrameJob;

static void
prepare_orientations (NbCpuBackend * self, gint64 frame)
{
  const NbModel *m = self->parent.model;
  double phi = nb_model_frame_phi (m, frame);

  /* traces (a trace map asks once per batch) reuse the frame's tables */
  if (self->orient_frame == frame)
    return;
  self->orient_frame = frame;
  nb_orientations_build (m, phi, FALSE, self->orient);
  nb_orientations_build (m, phi, TRUE, self->orient_first);
  for (gsize i = 0; i < self->n_orient_values; i++) {
    self->orient_f[i] = (float) self->orient[i];
    self->orient_first_f[i] = (float) self->orient_first[i];
  }
}

/* The per-pixel sum, four ways: double / float, without / with trace
 * records.  *interp is nanoBragg's interpolation switch: it may turn FALSE
 * during the pixel and stays so. */
#define NB_TRACE_T NbTracePixel
#define NB_TRACE_N_VISITS(tr) ((int) (tr)->visits->len)
#define NB_TRACE_PUSH_VISIT(tr, v) g_array_append_val ((tr)->visits, v)
#define NB_TRACE_PUSH_STEP(tr, s) g_array_append_val ((tr)->phi_steps, s)
#define NB_TRACE_LAST_STEP(tr) (&g_array_index ((tr)->phi_steps, \
        NbTracePhiStep, (tr)->phi_steps->len - 1))
#include "nb_render_instances.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* AVX2/FMA builds of the hot loops, chosen at load time where supported */
#define NB_HOT_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define NB_HOT_CLONES
#endif

NB_HOT_CLONES static double
render_pixel_f64 (const NbModel * m, const double *orient,
    const double *orient_first, gboolean first_loop, int fpixel, int spixel,
    gboolean * interp, double *omega_sum)
{
  return pixel_f64 (m, orient, orient_first, first_loop, fpixel,
      spixel, interp, omega_sum, NULL);
}

NB_HOT_CLONES static double
render_pixel_f32 (const NbModel * m, const float *orient,
    const float *orient_first, gboolean first_loop, int fpixel, int spixel,
    gboolean * interp, double *omega_sum)
{
  return pixel_f32 (m, orient, orient_first, first_loop, fpixel,
      spixel, interp, omega_sum, NULL);
}

/* TRUE when -dmin keeps some source of some layer and sub-pixel of pixel
 * (@fpixel, @spixel): the pixel's sum then runs a phi loop.  The same
 * geometry as the per-pixel template, with the same code generation
 * (NB_HOT_CLONES), so a cut at the edge falls the same way. */
NB_HOT_CLONES static gboolean
pixel_runs_phi_loop (const NbModel * m, int fpixel, int spixel)
{
  const NbDetector *d = &m->det;

  for (int thick_tic = 0; thick_tic < d->thicksteps; thick_tic++)
    for (int subS = 0; subS < d->oversample; subS++)
      for (int subF = 0; subF < d->oversample; subF++) {
        double pos[3], diffracted[3];
        nb_subpixel_position (d, fpixel, spixel, subF, subS,
            thick_tic * d->thickstep, pos);
        nb_vec_unitize (pos, diffracted);
        for (int s = 0; s < m->n_sources; s++) {
          double incident[3], scattering[3];
          double stol = nb_scattering_vector (&m->sources[s], diffracted,
              incident, scattering);
          if (!nb_dmin_rejects (m, stol))
            return TRUE;
        }
      }
  return FALSE;
}

gint64
nb_first_phi_loop_pixel (const NbModel * m)
{
  const NbDetector *d = &m->det;

  if (!m->params.phi_carryover)
    return nb_first_rendered_pixel (d);
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++)
      if (!nb_pixel_skipped (d, f, s) && pixel_runs_phi_loop (m, f, s))
        return (gint64) s * d->fpixels + f;
  return -1;
}

static double
render_one (const FrameJob * job, gboolean first, int fpixel, int spixel,
    gboolean * interp, double *omega_sum)
{
  if (job->precision == NB_PRECISION_FLOAT32)
    return render_pixel_f32 (job->m, job->orient_f, job->orient_first_f,
        first, fpixel, spixel, interp, omega_sum);
  return render_pixel_f64 (job->m, job->orient, job->orient_first, first,
      fpixel, spixel, interp, omega_sum);
}

static gpointer
frame_worker (gpointer data)
{
  FrameJob *job = data;
  const NbModel *m = job->m;
  const NbDetector *d = &m->det;

  for (;;) {
    int spixel = g_atomic_int_add (&job->next_row, 1);
    double omega_row = 0.0;
    if (spixel >= d->spixels)
      break;
    for (int fpixel = 0; fpixel < d->fpixels; fpixel++) {
      gint64 index = (gint64) spixel * d->fpixels + fpixel;
      gboolean interp = m->xtal.interpolate;
      double omega_dummy = 0.0;

      if (nb_pixel_skipped (d, fpixel, spixel))
        continue;
      if (job->pass2) {
        if (index <= job->pass2_from)
          continue;
        interp = FALSE;
        job->image[index] = (float) render_one (job,
            index == job->first_pixel, fpixel, spixel, &interp,
            &omega_dummy);
        continue;
      }
      job->image[index] = (float) render_one (job,
          index == job->first_pixel, fpixel, spixel, &interp, &omega_row);
      if (m->xtal.interpolate && !interp) {
        g_mutex_lock (&job->lock);
        if (job->first_switch < 0 || index < job->first_switch)
          job->first_switch = index;
        g_mutex_unlock (&job->lock);
      }
    }
    if (!job->pass2)
      job->row_omega[spixel] = omega_row;
  }
  return NULL;
}

static void
run_workers (FrameJob * job, int threads)
{
  GThread **pool;
  int n = MIN (threads, job->m->det.spixels), started = 0;

  job->next_row = 0;
  if (n <= 1) {
    frame_worker (job);
    return;
  }
  pool = g_new (GThread *, n);
  for (int i = 0; i < n; i++) {
    /* a thread that cannot be created is not fatal: the others (or this
     * thread) take its rows */
    pool[started] = g_thread_try_new ("nb-render", frame_worker, job, NULL);
    if (pool[started] != NULL)
      started++;
  }
  if (started == 0)
    frame_worker (job);
  for (int i = 0; i < started; i++)
    g_thread_join (pool[i]);
  g_free (pool);
}

static gboolean
cpu_render (NbBackend * backend, gint64 frame, float *image,
    double *omega_sum, GError ** error)
{
  NbCpuBackend *self = (NbCpuBackend *) backend;
  const NbModel *m = backend->model;
  FrameJob job;
  double total = 0.0;

  (void) error;
  prepare_orientations (self, frame);
  memset (image, 0, sizeof (float) * m->det.fpixels * m->det.spixels);

  memset (&job, 0, sizeof (job));
  job.m = m;
  job.precision = backend->precision;
  job.orient = self->orient;
  job.orient_first = self->orient_first;
  job.orient_f = self->orient_f;
  job.orient_first_f = self->orient_first_f;
  job.first_pixel = self->first_phi_loop_pixel;
  job.image = image;
  job.row_omega = g_new0 (double, m->det.spixels);
  job.first_switch = -1;
  g_mutex_init (&job.lock);
  run_workers (&job, self->threads);

  if (job.first_switch >= 0) {
    /* single-thread semantics of nanoBragg's one-way switch */
    job.pass2 = TRUE;
    job.pass2_from = job.first_switch;
    run_workers (&job, self->threads);
  }
  self->last_switch = job.first_switch;
  backend->interpolation_off_at = job.first_switch;
  self->last_frame = frame;
  nb_backend_add_background (backend, image);
  for (int r = 0; r < m->det.spixels; r++)
    total += job.row_omega[r];
  if (omega_sum)
    *omega_sum = total;
  g_mutex_clear (&job.lock);
  g_free (job.row_omega);
  return TRUE;
}

static void
cpu_free (NbBackend * backend)
{
  NbCpuBackend *self = (NbCpuBackend *) backend;
  g_free (self->orient);
  g_free (self->orient_first);
  g_free (self->orient_f);
  g_free (self->orient_first_f);
  g_free (self);
}

/* Traces the pixels of @frame that was rendered last (or renders it
 * first), following the same interpolation and phi-carryover path. */
static gboolean
cpu_trace (NbBackend * backend, gint64 frame, NbTracePixel ** pixels,
    int n, GError ** error)
{
  NbCpuBackend *self = (NbCpuBackend *) backend;
  const NbModel *m = backend->model;
  const NbDetector *d = &m->det;

  if (self->last_frame != frame) {
    float *scratch = g_try_new (float, (gsize) d->fpixels * d->spixels);
    gboolean ok;
    if (scratch == NULL) {
      g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
          "out of memory for a %dx%d frame", d->fpixels, d->spixels);
      return FALSE;
    }
    ok = cpu_render (backend, frame, scratch, NULL, error);
    g_free (scratch);
    if (!ok)
      return FALSE;
  }
  prepare_orientations (self, frame);
  for (int i = 0; i < n; i++) {
    NbTracePixel *t = pixels[i];
    gint64 index = (gint64) t->spixel * d->fpixels + t->fpixel;
    gboolean interp = m->xtal.interpolate;
    gboolean first = index == self->first_phi_loop_pixel;
    double omega_dummy = 0.0;

    g_array_set_size (t->visits, 0);
    g_array_set_size (t->phi_steps, 0);
    t->precision = backend->precision;
    t->phi_start = nb_model_frame_phi (m, frame) * (180.0 * M_1_PI);
    t->inside = t->spixel >= 0 && t->spixel < d->spixels && t->fpixel >= 0
        && t->fpixel < d->fpixels && !nb_pixel_skipped (d, t->fpixel,
        t->spixel);
    if (!t->inside)
      continue;
    if (self->last_switch >= 0 && index > self->last_switch)
      interp = FALSE;
    if (backend->precision == NB_PRECISION_FLOAT32)
      trace_pixel_f32 (m, self->orient_f, self->orient_first_f, first,
          t->fpixel, t->spixel, &interp, &omega_dummy, t);
    else
      trace_pixel_f64 (m, self->orient, self->orient_first, first,
          t->fpixel, t->spixel, &interp, &omega_dummy, t);
  }
  return TRUE;
}

static const NbBackendOps cpu_ops = {
  .name = "cpu",
  .render = cpu_render,
  .trace = cpu_trace,
  .free = cpu_free,
};

NbBackend *
nb_backend_cpu_new (const NbModel * model, int threads,
    NbPrecision precision, GError ** error)
{
  NbCpuBackend *self;

  (void) error;
  self = g_new0 (NbCpuBackend, 1);
  self->parent.ops = &cpu_ops;
  self->parent.kernel = "per-pixel template";
  self->parent.queue_depth = 1;
  self->parent.model = model;
  self->parent.precision = precision;
  self->threads = threads > 0 ? threads : (int) g_get_num_processors ();
  self->parent.host_threads = self->threads;
  self->n_orient_values = (gsize) model->phisteps * model->n_mosaic * 9;
  self->orient = g_new (double, self->n_orient_values);
  self->orient_first = g_new (double, self->n_orient_values);
  self->orient_f = g_new (float, self->n_orient_values);
  self->orient_first_f = g_new (float, self->n_orient_values);
  self->last_frame = -1;
  self->last_switch = -1;
  self->orient_frame = -1;
  self->first_phi_loop_pixel = nb_first_phi_loop_pixel (model);
  return &self->parent;
}

gboolean
nb_backend_trace_map (NbBackend * b, gint64 frame, NbTraceMap kind,
    float *out, GError ** error)
{
  /* batches of pixels, so that a device backend's trace records stay small */
  enum { BATCH = 256 };
  const NbDetector *d = &b->model->det;
  gsize npix = (gsize) d->fpixels * d->spixels;
  NbTracePixel *batch[BATCH];
  gboolean ok = TRUE;

  for (int i = 0; i < BATCH; i++)
    batch[i] = nb_trace_pixel_new (0, 0);
  for (gsize start = 0; ok && start < npix; start += BATCH) {
    int n = (int) MIN ((gsize) BATCH, npix - start);
    for (int i = 0; i < n; i++) {
      batch[i]->spixel = (int) ((start + i) / d->fpixels);
      batch[i]->fpixel = (int) ((start + i) % d->fpixels);
    }
    ok = nb_backend_trace (b, frame, batch, n, error);
    for (int i = 0; ok && i < n; i++)
      out[start + i] = nb_trace_map_value (batch[i], kind);
  }
  for (int i = 0; i < BATCH; i++)
    nb_trace_pixel_free (batch[i]);
  return ok;
}

void
nb_frame_stats (const NbModel * m, const float *image, double omega_sum,
    NbFrameStats * st)
{
  const NbDetector *d = &m->det;
  double sumsqr = 0.0;
  gsize n = 0, nroi = 0;

  memset (st, 0, sizeof (*st));
  st->omega_sum = omega_sum;
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++) {
      double v = image[(gsize) s * d->fpixels + f];
      if (nb_pixel_skipped (d, f, s))
        continue;
      if (v > st->max_I) {
        st->max_I = v;
        st->max_fpixel = f;
        st->max_spixel = s;
        /* nanoBragg reports the last sub-pixel visited */
        st->max_I_fast = d->subpixel_size * (f * d->oversample
            + d->oversample - 1) + d->subpixel_size / 2.0;
        st->max_I_slow = d->subpixel_size * (s * d->oversample
            + d->oversample - 1) + d->subpixel_size / 2.0;
      }
      st->sum += v;
      sumsqr += v * v;
      n++;
    }
  st->count = n;
  st->avg = st->sum / (n > 0 ? n : 1);
  st->rms = sqrt (sumsqr / ((n > 1 ? n : 2) - 1));
  sumsqr = 0.0;
  for (int s = d->roi_ymin; s < d->spixels && s <= d->roi_ymax; s++)
    for (int f = d->roi_xmin; f < d->fpixels && f <= d->roi_xmax; f++) {
      double dv = image[(gsize) s * d->fpixels + f] - st->avg;
      sumsqr += dv * dv;
      nroi++;
    }
  st->rmsd = sqrt (sumsqr / ((nroi > 1 ? nroi : 2) - 1));
}
