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

#include <string.h>

typedef struct {
  NbBackend parent;
  int threads;
  double *orient;               /* per frame: [phi][domain] a b c (9 doubles) */
  double *orient_first;         /* the same for the image's first phi loop */
} NbCpuBackend;

typedef struct {
  const NbModel *m;
  const double *orient;
  const double *orient_first;
  gint64 first_pixel;           /* first rendered pixel (row-major) */
  float *image;
  double *row_omega;            /* omega sum per row (pass 1 only) */
  gint next_row;
  GMutex lock;
  gint64 first_switch;          /* first pixel that switched interpolation off */
  gint64 pass2_from;            /* pass 2 renders pixels with index > this */
  gboolean pass2;
} FrameJob;

/* Orientation of every (phi step, domain) of a frame starting at @phi.
 *
 * With phi_carryover, a step at exactly phi == 0 is not rotated and keeps
 * the orientation of the previous step nanoBragg computed: the last
 * nonzero phi of the previous phi loop, or the unrotated crystal for the
 * first phi loop of the image (@first).  This is nanoBragg's single-thread
 * behaviour, reproduced independently of our thread count. */
static void
build_orientations (const NbModel * m, double phi_start, gboolean first,
    double *orient)
{
  const NbCrystal *x = &m->xtal;
  gboolean carryover = m->params.phi_carryover;
  double ap[3], bp[3], cp[3];

  nb_vec_copy (x->a0, ap);
  nb_vec_copy (x->b0, bp);
  nb_vec_copy (x->c0, cp);
  if (carryover && !first) {
    /* carried in: the last step of a phi loop that rotated */
    for (int t = m->phisteps - 1; t >= 0; t--) {
      double phi = phi_start + m->phistep * t;
      if (phi != 0.0) {
        nb_vec_rotate_axis (x->a0, m->det.spindle, phi, ap);
        nb_vec_rotate_axis (x->b0, m->det.spindle, phi, bp);
        nb_vec_rotate_axis (x->c0, m->det.spindle, phi, cp);
        break;
      }
    }
  }

  for (int t = 0; t < m->phisteps; t++) {
    double phi = phi_start + m->phistep * t;
    if (!carryover || phi != 0.0) {
      nb_vec_rotate_axis (x->a0, m->det.spindle, phi, ap);
      nb_vec_rotate_axis (x->b0, m->det.spindle, phi, bp);
      nb_vec_rotate_axis (x->c0, m->det.spindle, phi, cp);
    }
    for (int d = 0; d < m->n_mosaic; d++) {
      double *o = &orient[((gsize) t * m->n_mosaic + d) * 9];
      if (m->mosaic_spread > 0.0) {
        const double *u = &m->mosaic_umats[9 * d];
        nb_vec_rotate_umat (ap, u, o);
        nb_vec_rotate_umat (bp, u, o + 3);
        nb_vec_rotate_umat (cp, u, o + 6);
      } else {
        nb_vec_copy (ap, o);
        nb_vec_copy (bp, o + 3);
        nb_vec_copy (cp, o + 6);
      }
    }
  }
}

static inline gboolean
pixel_skipped (const NbDetector * d, int fpixel, int spixel)
{
  if (fpixel < d->roi_xmin || fpixel > d->roi_xmax || spixel < d->roi_ymin
      || spixel > d->roi_ymax)
    return TRUE;
  return d->mask != NULL && d->mask[(gsize) spixel * d->fpixels + fpixel] == 0;
}

/* One pixel, in photons.  *interp is nanoBragg's interpolation switch: it
 * may turn FALSE during the pixel and stays so. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* an AVX2/FMA build of the hot loop, chosen at load time where supported */
#define NB_HOT_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define NB_HOT_CLONES
#endif

NB_HOT_CLONES static double
render_pixel (const NbModel * m, const double *orient,
    const double *orient_first, gboolean first_loop, int fpixel, int spixel,
    gboolean * interp, double *omega_sum)
{
  const NbDetector *d = &m->det;
  const NbCrystal *x = &m->xtal;
  const int os = d->oversample;
  const int n_orient = m->phisteps * m->n_mosaic;
  double I = m->I_bg;
  double polar = m->nopolar ? 1.0 : 0.0;
  double omega = 0.0, capture = 0.0;
  double axis[3];
  double test;

  nb_vec_copy (d->polar_vector, axis);
  for (int thick_tic = 0; thick_tic < d->thicksteps; thick_tic++) {
    double Odet = thick_tic * d->thickstep;
    capture = d->thick == 0.0 ? 1.0 : 0.0;
    for (int subS = 0; subS < os; subS++) {
      for (int subF = 0; subF < os; subF++) {
        double Fdet = d->subpixel_size * (fpixel * os + subF)
            + d->subpixel_size / 2.0;
        double Sdet = d->subpixel_size * (spixel * os + subS)
            + d->subpixel_size / 2.0;
        double pos[3], diffracted[3], airpath;

        for (int i = 0; i < 3; i++)
          pos[i] = Fdet * d->fdet[i] + Sdet * d->sdet[i] + Odet * d->odet[i]
              + d->pix0[i];
        if (d->curved) {
          /* every pixel at the same distance: pixel coordinates are angles */
          double v[3], nv[3];
          nb_vec_scale (d->beam, d->distance, v);
          nb_vec_rotate_axis (v, d->sdet, pos[1] / d->distance, nv);
          nb_vec_rotate_axis (nv, d->fdet, pos[2] / d->distance, pos);
        }
        airpath = nb_vec_unitize (pos, diffracted);
        if (omega == 0.0 || d->oversample_omega) {
          omega = d->pixel_size * d->pixel_size / airpath / airpath
              * d->close_distance / airpath;
          if (d->point_pixel)
            omega = 1.0 / airpath / airpath;
        }
        *omega_sum += omega;
        if (capture == 0.0 || d->oversample_thick) {
          double parallax = nb_vec_dot (diffracted, d->odet);
          capture = exp (-thick_tic * d->thickstep * d->mu / parallax)
              - exp (-(thick_tic + 1) * d->thickstep * d->mu / parallax);
        }

        for (int s = 0; s < m->n_sources; s++) {
          const NbSource *src = &m->sources[s];
          double incident[3], scattering[3], stol;
          incident[0] = -src->dir[0];
          incident[1] = -src->dir[1];
          incident[2] = -src->dir[2];
          for (int i = 0; i < 3; i++)
            scattering[i] = (diffracted[i] - incident[i]) / src->lambda;
          stol = 0.5 * nb_vec_norm (scattering);
          if (m->dmin > 0.0 && stol > 0.0 && m->dmin > 0.5 / stol)
            continue;
          if (polar == 0.0 || d->oversample_polar)
            polar = nb_polarization_factor (m->polarization, incident,
                diffracted, axis);

          const double *table = first_loop ? orient_first : orient;
          first_loop = FALSE;
          for (int o = 0; o < n_orient; o++) {
            const double *a = &table[9 * o], *b = a + 3, *c = a + 6;
            double h = nb_vec_dot (a, scattering);
            double k = nb_vec_dot (b, scattering);
            double l = nb_vec_dot (c, scattering);
            int h0 = (int) nb_ceil (h - 0.5);
            int k0 = (int) nb_ceil (k - 0.5);
            int l0 = (int) nb_ceil (l - 0.5);
            double axes[3], F_latt, F_cell = x->default_F;

            F_latt = nb_lattice_factor (x, h, k, l, h0, k0, l0, axes);
            if (F_latt == 0.0 && m->water_size == 0.0)
              continue;
            if (*interp && nb_interpolation_out_of_range (x->hkl, h, k, l))
              *interp = FALSE;
            if (*interp)
              F_cell = nb_interpolate_F (x->hkl, h, k, l);
            else
              F_cell = nb_nearest_F (x, h0, k0, l0);

            I += F_cell * F_cell * F_latt * F_latt;
            if (d->oversample_thick)
              I *= capture;
            if (d->oversample_polar)
              I *= polar;
            if (d->oversample_omega)
              I *= omega;
          }
        }
      }
    }
  }

  test = m->r_e_sqr * m->fluence * I / m->steps;
  if (!d->oversample_thick)
    test *= capture;
  if (!d->oversample_polar)
    test *= polar;
  if (!d->oversample_omega)
    test *= omega;
  return test;
}

static gint64
first_rendered_pixel (const NbDetector * d)
{
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++)
      if (!pixel_skipped (d, f, s))
        return (gint64) s * d->fpixels + f;
  return -1;
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

      if (pixel_skipped (d, fpixel, spixel))
        continue;
      if (job->pass2) {
        if (index <= job->pass2_from)
          continue;
        interp = FALSE;
        job->image[index] = (float) render_pixel (m, job->orient,
            job->orient_first, index == job->first_pixel, fpixel, spixel,
            &interp, &omega_dummy);
        continue;
      }
      job->image[index] = (float) render_pixel (m, job->orient,
          job->orient_first, index == job->first_pixel, fpixel, spixel,
          &interp, &omega_row);
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
  int n = MIN (threads, job->m->det.spixels);

  job->next_row = 0;
  if (n <= 1) {
    frame_worker (job);
    return;
  }
  pool = g_new (GThread *, n);
  for (int i = 0; i < n; i++)
    pool[i] = g_thread_new ("nb-render", frame_worker, job);
  for (int i = 0; i < n; i++)
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
  build_orientations (m, nb_model_frame_phi (m, frame), FALSE, self->orient);
  build_orientations (m, nb_model_frame_phi (m, frame), TRUE,
      self->orient_first);
  memset (image, 0, sizeof (float) * m->det.fpixels * m->det.spixels);

  memset (&job, 0, sizeof (job));
  job.m = m;
  job.orient = self->orient;
  job.orient_first = self->orient_first;
  job.first_pixel = first_rendered_pixel (&m->det);
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
  g_free (self);
}

static const NbBackendOps cpu_ops = {
  .name = "cpu",
  .render = cpu_render,
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
  self->parent.model = model;
  self->parent.precision = precision;
  self->threads = threads > 0 ? threads : (int) g_get_num_processors ();
  self->orient = g_new (double, (gsize) model->phisteps * model->n_mosaic * 9);
  self->orient_first = g_new (double,
      (gsize) model->phisteps * model->n_mosaic * 9);
  return &self->parent;
}

void
nb_backend_free (NbBackend * b)
{
  if (b != NULL)
    b->ops->free (b);
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
      if (pixel_skipped (d, f, s))
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
